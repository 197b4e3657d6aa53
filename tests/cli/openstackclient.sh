#!/usr/bin/env bash
# Drives the real python3-openstackclient (`openstack volume …`) against a running BlockStore (API and worker), with
# the token of the API's noauth mode (user:project) and the project's endpoint (the admin_token auth type, as for a cloud
# without Keystone). Checks the images with `rbd info` as client.blockstore, as tests/cli/cinderclient.sh does.
#
#   tests/cli/openstackclient.sh http://127.0.0.1:<api port>
#
# Needs the stack's environment (eval "$(scripts/stack env)"). Run by Worker.Tests (ClientScriptTests)
# against its own API and worker. Any failing step fails the script.
set -euo pipefail

url=${1:?usage: tests/cli/openstackclient.sh <api url>}
project=osc-$(date +%s)-$RANDOM
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export OS_AUTH_TYPE=admin_token OS_ENDPOINT=$url/v3/$project OS_VOLUME_API_VERSION=3.59

# openstack as a member (demo) or as the admin user of the noauth role map.
member() { OS_TOKEN=demo:$project openstack "$@"; }
admin() { OS_TOKEN=admin:$project openstack "$@"; }
# field <kind> <id> <column>: one column of `openstack <kind> show`, as a member.
field() { member "$1" show "$2" -f value -c "$3"; }

# wait_for <volume|volume snapshot> <id> <status>; wait_gone <volume|volume snapshot> <id>
wait_for() { wait_status "$1 $2" "$3" field "$1" "$2" status; }
wait_gone() { wait_absent "$1 $2" member "$1" show "$2"; }

# moved_to <id>: the backend of an available volume whose last migration succeeded (from its host, host@backend#pool),
# "error" if it failed, and "moving" meanwhile.
moved_to() {
  python3 -c 'import json, sys
v = json.loads(sys.argv[1])
migration = v["migration_status"]
print("error" if migration == "error" else v["os-vol-host-attr:host"].split("@")[1].split("#")[0]
      if migration == "success" and v["status"] == "available" else "moving")' "$(admin volume show "$1" -f json)"
}


step "volume create, list, show"
vol=$(member volume create --size 1 --description "the base" --property tier=gold osc-base -f value -c id)
[[ $vol =~ ^[0-9a-f-]{36}$ ]] || fail "volume create returned no id"
wait_for volume "$vol" available
rbd_check "$vol" 1
member volume list -f value -c ID | grep -x "$vol" >/dev/null || fail "volume list does not show $vol"
[[ $(field volume osc-base id) == "$vol" ]] || fail "volume show by name: not $vol"
[[ $(field volume "$vol" properties) == *"'tier': 'gold'"* ]] || fail "volume show: the property tier is not gold"

step "volume set --size (extend), --name, --description, --property, --bootable; volume unset --property"
member volume set --size 2 "$vol"
wait_for volume "$vol" available
[[ $(field volume "$vol" size) == 2 ]] || fail "volume set --size: size is not 2"
rbd_check "$vol" 2
member volume set --name osc-renamed --description renamed --property zone=a --bootable "$vol"
member volume unset --property tier "$vol"
shown=$(member volume show "$vol" -f json)
python3 - "$shown" <<'PY' || fail "volume show after set and unset: $shown"
import json, sys
v = json.loads(sys.argv[1])
sys.exit(0 if v["name"] == "osc-renamed" and v["description"] == "renamed" and v["bootable"] == "true"
         and "zone" in str(v["properties"]) and "tier" not in str(v["properties"]) else 1)
PY

step "volume snapshot create, list; volume create --snapshot and --source (RBD clones)"
snap=$(member volume snapshot create --volume "$vol" osc-snap -f value -c id)
wait_for "volume snapshot" "$snap" available
member volume snapshot list -f value -c ID | grep -x "$snap" >/dev/null || fail "volume snapshot list does not show $snap"
from_snap=$(member volume create --snapshot "$snap" --size 3 osc-from-snap -f value -c id)
from_vol=$(member volume create --source "$vol" osc-from-vol -f value -c id)
wait_for volume "$from_snap" available
wait_for volume "$from_vol" available
rbd_check "$from_snap" 3 "volume-$vol" "snapshot-$snap"
rbd_check "$from_vol" 2 "volume-$vol" "clone-$from_vol"

step "refusals: size 0, a member creating a type, an unknown volume, delete with snapshots, another project"
refused "0 is less than the minimum of 1 (HTTP 400)" member volume create --size 0 osc-zero
refused "(HTTP 403)" member volume type create osc-not-allowed
refused "No volume with a name or ID of 'osc-nothing' exists." member volume show osc-nothing
refused "Invalid volume: Volume status must be available" member volume delete "$vol"
OS_ENDPOINT=$url/v3/$project-other refused "No volume with a name or ID of '$vol' exists." \
  env OS_TOKEN=demo:$project-other openstack volume show "$vol"

step "volume type create --property volume_backend_name=ceph-fast, volume create --type, volume set --type --retype-policy, and to a multiattach type and back"
fast=osc-fast-$project
admin volume type create --property volume_backend_name=ceph-fast "$fast" >/dev/null
[[ $(admin volume type show "$fast" -f value -c properties) == *"'volume_backend_name': 'ceph-fast'"* ]] ||
  fail "volume type show: no volume_backend_name"
# A member does not see it: Cinder keeps volume_backend_name to admins.
[[ $(member volume type show "$fast" -f value -c properties) == "{}" ]] || fail "volume type show: a member sees the extra specs"
typed=$(member volume create --size 1 --type "$fast" osc-typed -f value -c id)
wait_for volume "$typed" available
pool=volumes-fast rbd_check "$typed" 1
refused "Retype requires migration but is not allowed." member volume set --type __DEFAULT__ "$typed"
member volume set --type __DEFAULT__ --retype-policy on-demand "$typed"
wait_status "retype of $typed" ceph moved_to "$typed"
[[ $(field volume "$typed" type) == __DEFAULT__ ]] || fail "volume set --type --retype-policy on-demand did not retype $typed"
rbd_check "$typed" 1
wait_absent "image volumes-fast/volume-$typed" rbd info "volumes-fast/volume-$typed"
# In place, to a multiattach type and back: the image loses and gets back exclusive-lock.
shared=osc-shared-$project
admin volume type create --property multiattach="<is> True" "$shared" >/dev/null
member volume set --type "$shared" "$typed"
wait_for volume "$typed" available
[[ $(field volume "$typed" multiattach) == True ]] || fail "volume set --type $shared: the volume is not multiattach"
rbd info "volumes/volume-$typed" | grep -E "features:.*exclusive-lock" >/dev/null && fail "a volume made multiattach kept exclusive-lock"
member volume set --type __DEFAULT__ "$typed"
wait_for volume "$typed" available
[[ $(field volume "$typed" multiattach) == False ]] || fail "volume set --type __DEFAULT__: the volume is still multiattach"
rbd info "volumes/volume-$typed" | grep -E "features:.*exclusive-lock" >/dev/null || fail "a volume made single-writer again lacks exclusive-lock"
admin volume type delete "$shared"

step "volume qos create, associate, set, unset, show (with its associations), disassociate, delete"
admin volume qos create --consumer front-end --property total_iops_sec=100 "osc-qos-$project" >/dev/null
admin volume qos associate "osc-qos-$project" "$fast"
admin volume qos set --property read_iops_sec=5 "osc-qos-$project"
admin volume qos unset --property total_iops_sec "osc-qos-$project"
qos_shown=$(admin volume qos show "osc-qos-$project" -f value -c associations -c consumer -c properties)
[[ $qos_shown == *"$fast"*front-end*"'read_iops_sec': '5'"* && $qos_shown != *total_iops_sec* ]] || fail "volume qos show: $qos_shown"
admin volume qos disassociate --volume-type "$fast" "osc-qos-$project"
admin volume qos delete "osc-qos-$project"

step "volume migrate --host (admin)"
refused "(HTTP 403)" member volume migrate --host ceph-fast "$typed"
admin volume migrate --host ceph-fast "$typed"
wait_status "migration of $typed" ceph-fast moved_to "$typed"
pool=volumes-fast rbd_check "$typed" 1
wait_absent "image volumes/volume-$typed" rbd info "volumes/volume-$typed"

step "limits show --absolute, availability zone list --volume, volume service list, volume service set --disable/--enable"
member limits show --absolute -f value | grep -E '^totalVolumesUsed 4$' >/dev/null || fail "limits show: totalVolumesUsed is not 4"
member availability zone list --volume -f value | grep -E '^nova available$' >/dev/null || fail "availability zone list: no nova"
services=$(admin volume service list -f value -c Binary -c Host -c State)
for backend in ceph ceph-fast local; do
  echo "$services" | grep -E "^cinder-volume [^ ]+@$backend up$" >/dev/null || fail "volume service list: $backend is not up"
done
local_host=$(echo "$services" | grep -oE '[^ ]+@local' | head -1)
admin volume service set --disable --disable-reason "disk swap" "$local_host" cinder-volume
admin volume service list --long -f value -c Host -c Status -c "Disabled Reason" | grep -E "^$local_host disabled disk swap$" >/dev/null ||
  fail "volume service set --disable: $local_host is not disabled with its reason"
admin volume service set --enable "$local_host" cinder-volume
admin volume service list -f value -c Host -c Status | grep -E "^$local_host enabled$" >/dev/null || fail "volume service set --enable: $local_host is not enabled"

# openstackclient 6.0's "volume backup restore" cannot read Cinder's restore answer (it fails after the request); the
# cinderclient walk restores.
step "volume backup create, list, show, delete"
backup=$(member volume backup create --name osc-backup "$vol" -f value -c id)
wait_status "backup $backup" available field "volume backup" "$backup" status
member volume backup list -f value -c ID -c Status | grep -E "^$backup available$" >/dev/null || fail "volume backup list does not show $backup available"
[[ $(field "volume backup" "$backup" container) == backups ]] || fail "volume backup show: $backup is not in the backups container"
member volume backup delete "$backup"
wait_gone "volume backup" "$backup"

step "volume group list, consistency group list (empty: none are kept here); block storage cluster list (admin)"
for listing in "volume group list" "volume group snapshot list" "consistency group list"; do
  out=$(member $listing -f value 2>&1) || fail "$listing: $out"
  [[ -z $out ]] || fail "$listing: expected nothing, got: $out"
done
out=$(admin --os-volume-api-version 3.7 block storage cluster list -f value 2>&1) || fail "block storage cluster list: $out"
[[ -z $out ]] || fail "block storage cluster list: expected nothing, got: $out"

step "volume transfer request create, accept in another project"
offer=$(member volume transfer request create --name osc-offer "$from_vol" -f json)
offer_id=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["id"])' "$offer")
auth_key=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["auth_key"])' "$offer")
[[ $(field volume "$from_vol" status) == awaiting-transfer ]] || fail "the offered volume is not awaiting-transfer"
taker() { OS_ENDPOINT=$url/v3/$project-taker OS_TOKEN=demo:$project-taker openstack "$@"; }
taker volume transfer request accept --auth-key "$auth_key" "$offer_id" >/dev/null
[[ $(taker volume show "$from_vol" -f value -c status) == available ]] || fail "the accepted volume is not available to the taker"
member volume show "$from_vol" >/dev/null 2>&1 && fail "the giver still sees $from_vol"
taker volume delete "$from_vol"

step "volume attachment list, show, set (connect), complete, delete; volume set --detached (admin) for one left reserved"
# Reserved through the API as Nova reserves them: openstackclient's `volume attachment create` looks the server up in Nova.
server=$(python3 -c 'import uuid; print(uuid.uuid4())')
reserve() {
  curl -sf -X POST -H "X-Auth-Token: demo:$project" -H "OpenStack-API-Version: volume 3.59" -H "Content-Type: application/json" \
    -d "{\"attachment\": {\"volume_uuid\": \"$vol\", \"instance_uuid\": \"$server\"}}" "$url/v3/$project/attachments" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["attachment"]["id"])'
}
attachment=$(reserve)
member volume attachment list -f value -c ID | grep -x "$attachment" >/dev/null || fail "volume attachment list does not show $attachment"
[[ $(member volume attachment show "$attachment" -f value -c Status) == reserved ]] || fail "volume attachment show: not reserved"
connected=$(member volume attachment set --host osc-compute --ip 192.0.2.20 --mountpoint /dev/vdb "$attachment" -f json)
python3 - "$connected" "$vol" <<'PY' || fail "volume attachment set: no rbd connection info for $vol: $connected"
import json, sys
a, vol = json.loads(sys.argv[1]), sys.argv[2]
p = a["Properties"]
sys.exit(0 if a["Status"] == "attaching" and p["driver_volume_type"] == "rbd" and p["name"].endswith("volume-" + vol) and p["hosts"] else 1)
PY
member volume attachment complete "$attachment"
[[ $(field volume "$vol" status) == in-use ]] || fail "volume attachment complete: the volume is not in-use"
member volume attachment delete "$attachment"
[[ $(field volume "$vol" status) == available ]] || fail "volume attachment delete: the volume is not available"
stuck=$(reserve)
[[ $(field volume "$vol" status) == reserved ]] || fail "the reserved volume is not reserved"
refused "(HTTP 403)" member volume set --detached "$vol"
admin volume set --detached "$vol"
[[ $(field volume "$vol" status) == available ]] || fail "volume set --detached: the volume is not available"
member volume attachment list -f value -c ID | grep -x "$stuck" >/dev/null && fail "volume set --detached left attachment $stuck"

step "volume delete --purge (with its snapshot), volume delete, volume type delete"
member volume delete "$from_snap" "$typed"
wait_gone volume "$from_snap"
member volume delete --purge "$vol"
wait_gone "volume snapshot" "$snap"
wait_gone volume "$vol"
wait_gone volume "$typed"
rbd_gone "$vol"
rbd_gone "$from_snap"
pool=volumes-fast rbd_gone "$typed"
wait_absent "volume $from_vol" taker volume show "$from_vol"
rbd_gone "$from_vol"
admin volume type delete "$fast"
[[ -z $(member volume list -f value -c ID) ]] || fail "volume list is not empty after the deletes"

step "all openstackclient steps passed"
