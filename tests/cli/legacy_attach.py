"""The attach flow before the attachments API, driven through python3-cinderclient's library (its shell has no
commands for it): reserve, unreserve, initialize_connection, attach, begin_detaching, roll_detaching,
terminate_connection and detach, checking the volume's status after each step.

Usage: /usr/bin/python3 tests/cli/legacy_attach.py <api url> <project> <volume id>
Prints "<monitors> <user> <image>" from the connection info, for the caller to reach the image with rbd.
"""
import sys
import uuid

from cinderclient import client
from cinderclient.contrib.noauth import CinderNoAuthPlugin
from keystoneauth1 import session

api, project, volume_id = sys.argv[1:4]
cs = client.Client('3.70', session=session.Session(auth=CinderNoAuthPlugin('demo', project, endpoint=f'{api}/v3')))
volume = cs.volumes.get(volume_id)


def expect(status, after):
    got = cs.volumes.get(volume_id).status
    if got != status:
        sys.exit(f'{after}: the volume is {got}, expected {status}')


expect('available', 'before the flow')
cs.volumes.reserve(volume)
expect('attaching', 'reserve')
cs.volumes.unreserve(volume)
expect('available', 'unreserve')
cs.volumes.reserve(volume)

connector = {'host': 'cli-legacy', 'ip': '127.0.0.1', 'platform': 'x86_64', 'os_type': 'linux', 'multipath': False}
info = cs.volumes.initialize_connection(volume, connector)
if info.get('driver_volume_type') != 'rbd' or 'name' not in info.get('data', {}):
    sys.exit(f'initialize_connection: not an rbd connection info: {info}')
data = info['data']
# A read-only volume (readonly-mode-update) connects, and attaches, read-only only.
mode = 'ro' if volume.metadata.get('readonly') == 'True' else 'rw'
if data.get('access_mode') != mode:
    sys.exit(f"initialize_connection: access_mode {data.get('access_mode')}, expected {mode}")
expect('attaching', 'initialize_connection')

server = str(uuid.uuid4())
cs.volumes.attach(volume, server, '/dev/vdc', mode=mode, host_name='cli-legacy')
expect('in-use', 'attach')
attached = cs.volumes.get(volume_id).attachments
if [a['server_id'] for a in attached] != [server]:
    sys.exit(f'attach: the volume shows {attached}, expected one attachment to {server}')

cs.volumes.begin_detaching(volume)
expect('detaching', 'begin_detaching')
cs.volumes.roll_detaching(volume)
expect('in-use', 'roll_detaching')
cs.volumes.begin_detaching(volume)
cs.volumes.terminate_connection(volume, connector)
cs.volumes.detach(volume, attached[0]['attachment_id'])
expect('available', 'detach')
if cs.volumes.get(volume_id).attachments:
    sys.exit('detach: the volume still shows an attachment')

monitors = ','.join(f'{h}:{p}' for h, p in zip(data['hosts'], data['ports']))
print(monitors, data['auth_username'], data['name'])
