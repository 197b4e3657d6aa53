#!/usr/bin/env bash
# Drives openstackclient and cinderclient the way a cloud's users do, with Keystone logins and the catalog, against a
# BlockStore API in keystone mode (Auth:Mode keystone, the stack's Keystone). The API under test gets a catalog region
# of its own, made here and removed at the end, so that the clients find it through Keystone.
#
#   tests/cli/keystone.sh http://127.0.0.1:<port of an API in keystone mode>
#
# Needs the stack's environment (eval "$(scripts/stack env)"). Run by Worker.Tests (ClientScriptTests), which starts
# such an API beside its own. Any failing step fails the script.
set -euo pipefail

url=${1:?usage: tests/cli/keystone.sh <api url>}
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
: "${BLOCKSTORE_KEYSTONE_URL:?not set: eval \"\$(scripts/stack env)\" first}"
region=walk-$(date +%s)-$RANDOM
consumer=$region-consumer

export OS_AUTH_URL=$BLOCKSTORE_KEYSTONE_URL OS_USER_DOMAIN_ID=default OS_PROJECT_DOMAIN_ID=default OS_IDENTITY_API_VERSION=3 \
  OS_INTERFACE=public OS_PASSWORD=$BLOCKSTORE_KEYSTONE_PASSWORD OS_VOLUME_API_VERSION=3.59 OS_IMAGE_API_VERSION=2
# as <user> <project> <openstack arguments…>: openstack logged in as that user, in this walk's region.
as() { local user=$1 project=$2; shift 2; OS_USERNAME=$user OS_PROJECT_NAME=$project OS_REGION_NAME=$region openstack "$@" </dev/null; }
# Keystone's admin, for the catalog and the walk's own project (identity is in RegionOne).
keystone_admin() { OS_USERNAME=admin OS_PROJECT_NAME=admin OS_REGION_NAME=RegionOne openstack "$@" </dev/null; }
volume_status() { as demo demo volume show "$1" -f value -c status; }

tmp=$(mktemp -d)
cleanup() {
  local id
  for id in $(keystone_admin endpoint list --region "$region" -f value -c ID 2>/dev/null); do keystone_admin endpoint delete "$id" || true; done
  keystone_admin region delete "$region" >/dev/null 2>&1 || true
  keystone_admin user delete "$consumer" >/dev/null 2>&1 || true
  keystone_admin project delete "$consumer" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

step "the catalog: region $region with this API as block-storage, volumev3 and image (and Keystone as identity)"
keystone_admin region create "$region" >/dev/null
service_id() { keystone_admin service list -f value -c ID -c Type | awk -v t="$1" '$2 == t { print $1; exit }'; }
for entry in "block-storage $url/v3/%(project_id)s" "volumev3 $url/v3/%(project_id)s" "image $url/v2" "identity $BLOCKSTORE_KEYSTONE_URL"; do
  read -r type endpoint <<<"$entry"
  id=$(service_id "$type")
  [[ -n $id ]] || fail "Keystone has no $type service (scripts/stack up provisions it)"
  keystone_admin endpoint create --region "$region" "$id" public "$endpoint" >/dev/null
done
[[ $(as demo demo catalog show block-storage -f value -c endpoints) == *"$url"* ]] || fail "the catalog does not show $url"
# A project of the walk's own, with a member, for what another project sees.
keystone_admin project create --domain default "$consumer" >/dev/null
keystone_admin user create --domain default --project "$consumer" --password "$BLOCKSTORE_KEYSTONE_PASSWORD" "$consumer" >/dev/null
member_role=$(keystone_admin role list -f value -c ID -c Name | awk '$2 == "member" { print $1 }')
keystone_admin role add --project "$consumer" --user "$consumer" "$member_role"

step "openstack volume create, list and show, logged in as demo (member of demo)"
vol=$(as demo demo volume create --size 1 ks-vol -f value -c id)
wait_status "volume $vol" available volume_status "$vol"
[[ $(as demo demo volume list -f value -c ID) == *"$vol"* ]] || fail "volume list lacks $vol"
demo_project=$(keystone_admin project show demo -f value -c id)
[[ $(as admin admin volume show "$vol" -f value -c os-vol-tenant-attr:tenant_id) == "$demo_project" ]] ||
  fail "the volume is not in the demo project's id, as the token's project"

step "a reader of demo lists but may not write; a member of another project does not see the volume"
[[ $(as reader demo volume list -f value -c ID) == *"$vol"* ]] || fail "the reader does not list $vol"
refused "(HTTP 403)" as reader demo volume create --size 1 ks-refused
refused "No volume with a name or ID" as "$consumer" "$consumer" volume show "$vol"

step "snapshot create and delete; cinder with the same login, through the catalog"
snap=$(as demo demo volume snapshot create --volume "$vol" ks-snap -f value -c id)
wait_status "snapshot $snap" available as demo demo volume snapshot show "$snap" -f value -c status
[[ $(OS_USERNAME=demo OS_PROJECT_NAME=demo OS_REGION_NAME=$region cinder snapshot-list) == *"$snap"* ]] ||
  fail "cinder snapshot-list lacks $snap"
as demo demo volume snapshot delete "$snap"
wait_absent "snapshot $snap" as demo demo volume snapshot show "$snap"

step "openstack image create --file, then image add project to the walk's own project, which accepts it"
truncate -s 4M "$tmp/disk.raw"
printf 'keystone walk' | dd of="$tmp/disk.raw" conv=notrunc status=none
image=$(as demo demo image create --disk-format raw --container-format bare --shared --file "$tmp/disk.raw" ks-img -f value -c id)
[[ $(as demo demo image show "$image" -f value -c status) == active ]] || fail "image $image is not active"
consumer_project=$(keystone_admin project show "$consumer" -f value -c id)
as demo demo image add project "$image" "$consumer_project" >/dev/null
as "$consumer" "$consumer" image set --accept "$image"
[[ $(as "$consumer" "$consumer" image list -f value -c ID) == *"$image"* ]] || fail "the consumer does not list the accepted image"
from_image=$(as "$consumer" "$consumer" volume create --size 1 --image "$image" ks-from-image -f value -c id)
from_image_status() { as "$consumer" "$consumer" volume show "$1" -f value -c status; }
wait_status "volume $from_image" available from_image_status "$from_image"

step "clean up: the volumes and the image"
as "$consumer" "$consumer" volume delete "$from_image"
as demo demo volume delete "$vol"
wait_absent "volume $from_image" as "$consumer" "$consumer" volume show "$from_image"
wait_absent "volume $vol" as demo demo volume show "$vol"
as demo demo image delete "$image"

step "all keystone steps passed"
