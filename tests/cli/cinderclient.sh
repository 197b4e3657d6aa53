#!/usr/bin/env bash
# Drives the real python3-cinderclient, in noauth mode, against a running BlockStore (API and worker), and checks
# every image with `rbd info` as client.blockstore: it exists, has the right size, and clones have the right parent.
# `retype --migration-policy on-demand` and `migrate` move one volume through the three backends, with the sha256 of
# the whole device checked on each.
#
#   tests/cli/cinderclient.sh http://127.0.0.1:<api port>
#
# Needs the stack's environment (eval "$(scripts/stack env)": CEPH_ARGS names client.blockstore's keyring).
# Run by Worker.Tests (ClientScriptTests) against its own API and worker. Any failing step fails the script.
set -euo pipefail

url=${1:?usage: tests/cli/cinderclient.sh <api url>}
project=cli-$(date +%s)-$RANDOM
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export OS_AUTH_TYPE=noauth OS_PROJECT_ID=$project CINDER_ENDPOINT=$url/v3/$project OS_VOLUME_API_VERSION=3.50

# cinder as a member (demo) or as the admin user of the noauth role map.
member() { OS_USER_ID=demo cinder "$@"; }
admin() { OS_USER_ID=admin cinder "$@"; }

# wait_for <show command> <id> <status>; wait_gone <volume id>
wait_for() { wait_status "$1 $2" "$3" shown_status "$1" "$2"; }
shown_status() { member "$1" "$2" | prop status; }
wait_gone() { wait_absent "volume $1" member show "$1"; }

step "create"
vol=$(member create --name cli-base 1 | prop id)
[[ $vol =~ ^[0-9a-f-]{36}$ ]] || fail "create returned no id"
wait_for show "$vol" available
rbd_check "$vol" 1

step "list and show"
member list | grep "$vol" >/dev/null || fail "list does not show $vol"
[[ $(member show "$vol" | prop size) == 1 ]] || fail "show: size is not 1"
[[ $(member show "$vol" | prop name) == cli-base ]] || fail "show: name is not cli-base"

step "extend to 2 GiB"
member extend "$vol" 2
wait_for show "$vol" available
[[ $(member show "$vol" | prop size) == 2 ]] || fail "show after extend: size is not 2"
rbd_check "$vol" 2

step "set-bootable, image-metadata set, unset and show (the clones below boot with the same), readonly-mode-update"
member set-bootable "$vol" true
member image-metadata "$vol" set hw_disk_bus=scsi os_type=linux
member image-metadata "$vol" unset os_type
[[ $(member image-metadata-show "$vol" | prop hw_disk_bus) == scsi ]] || fail "image-metadata-show: hw_disk_bus is not scsi"
member image-metadata-show "$vol" | grep os_type >/dev/null && fail "image-metadata unset left os_type"
member readonly-mode-update "$vol" true
member show "$vol" | grep -E '\| readonly : True ' >/dev/null || fail "readonly-mode-update: metadata does not show readonly True"
# boots_like_vol <id>: a clone of the bootable volume (or of its snapshot) is bootable and carries its image metadata.
boots_like_vol() {
  [[ $(member show "$1" | prop bootable) == true ]] || fail "clone $1 of a bootable volume is not bootable"
  member show "$1" | prop volume_image_metadata | grep hw_disk_bus >/dev/null || fail "clone $1 lacks the image metadata"
}

step "snapshot-create"
snap=$(member snapshot-create --name cli-snap "$vol" | prop id)
[[ -n $snap ]] || fail "snapshot-create returned no id"
wait_for snapshot-show "$snap" available

step "create --snapshot-id"
from_snap=$(member create --snapshot-id "$snap" --name cli-from-snap 3 | prop id)
wait_for show "$from_snap" available
rbd_check "$from_snap" 3 "volume-$vol" "snapshot-$snap"
boots_like_vol "$from_snap"

step "create --source-volid"
from_vol=$(member create --source-volid "$vol" --name cli-from-vol 2 | prop id)
wait_for show "$from_vol" available
rbd_check "$from_vol" 2 "volume-$vol" "clone-$from_vol"
boots_like_vol "$from_vol"

step "revert-to-snapshot (the volume goes back to its latest snapshot)"
member revert-to-snapshot "$snap"
wait_for show "$vol" available
[[ $(member snapshot-show "$snap" | prop status) == available ]] || fail "snapshot $snap is not available after the revert"
rbd_check "$vol" 2

step "list --sort name:desc, snapshot-list --sort name (cinderclient sends Cinder's column, display_name)"
names=$(member list --sort name:desc | awk -F'|' 'NR > 3 && NF > 3 { gsub(/ /, "", $4); printf "%s ", $4 }')
[[ $names == "cli-from-vol cli-from-snap cli-base " ]] || fail "list --sort name:desc gave: $names"
member snapshot-list --sort name:asc | grep "$snap" >/dev/null || fail "snapshot-list --sort name:asc does not show $snap"

step "type-create, type-key set volume_backend_name=ceph, create --volume-type"
type_name=cli-type-$project
type_id=$(admin type-create "$type_name" | awk -F'|' -v n="$type_name" '{ gsub(/ /, "", $3) } $3 == n { gsub(/ /, "", $2); print $2 }')
[[ -n $type_id ]] || fail "type-create returned no id"
admin type-key "$type_id" set volume_backend_name=ceph
admin extra-specs-list | grep "volume_backend_name.*ceph" >/dev/null || fail "extra-specs-list does not show volume_backend_name"
typed=$(member create --volume-type "$type_name" --name cli-typed 1 | prop id)
wait_for show "$typed" available
[[ $(member show "$typed" | prop volume_type) == "$type_name" ]] || fail "show: volume_type is not $type_name"
rbd_check "$typed" 1

step "encryption-type-list: no type is encrypted; encryption-type-create refused (no key manager)"
rows=$(admin encryption-type-list | grep -c '^| [0-9a-f]\{8\}-') || true
[[ $rows == 0 ]] || fail "encryption-type-list: expected no encrypted type, got $rows rows"
out=$(admin encryption-type-create "$type_id" luks 2>&1) && fail "encryption-type-create was accepted: $out"
[[ $out == *"(HTTP 400)"* ]] || fail "encryption-type-create: $out"

step "quota-usage"
usage=$(member quota-usage "$project")
echo "$usage" >&2
in_use() { echo "$usage" | awk -F'|' -v t="$1" '{ gsub(/ /, "", $2); gsub(/ /, "", $3) } $2 == t { print $3 }'; }
[[ $(in_use volumes) == 4 ]] || fail "quota-usage: volumes in use is $(in_use volumes), expected 4"
[[ $(in_use snapshots) == 1 ]] || fail "quota-usage: snapshots in use is $(in_use snapshots), expected 1"

[[ $(in_use "volumes_$type_name") == 1 ]] || fail "quota-usage: volumes_$type_name in use is $(in_use "volumes_$type_name"), expected 1"
[[ $(in_use volumes___DEFAULT__) == 3 ]] || fail "quota-usage: volumes___DEFAULT__ in use is $(in_use volumes___DEFAULT__), expected 3"

step "quota-update --volume-type, then a create over that type's limit; quota-class-show default, quota-class-update refused"
admin quota-update --volume-type "$type_name" --volumes 1 "$project" >/dev/null
[[ $(admin quota-show "$project" | prop "volumes_$type_name") == 1 ]] || fail "quota-show: volumes_$type_name is not 1"
refused=$(member create --volume-type "$type_name" --name cli-over 1 2>&1) && fail "create over volumes_$type_name was accepted"
echo "$refused" >&2
[[ $refused == *"exceeded for quota 'volumes_$type_name'"*"(HTTP 413)"* ]] || fail "create over volumes_$type_name: not Cinder's 413"
admin quota-update --volume-type "$type_name" --volumes -1 "$project" >/dev/null
[[ $(admin quota-class-show default | prop volumes) == "$(admin quota-defaults "$project" | prop volumes)" ]] ||
  fail "quota-class-show default does not show the default volumes limit"
refused=$(admin quota-class-update --volumes 20 default 2>&1) && fail "quota-class-update was accepted"
[[ $refused == *"come from BlockStore's configuration"*"(HTTP 400)"* ]] || fail "quota-class-update: $refused"

step "availability-zone-list, service-list, list-extensions"
member availability-zone-list | grep -E '^\| nova +\| available +\|$' >/dev/null || fail "availability-zone-list does not show nova available"
services=$(admin service-list --binary cinder-volume)
echo "$services" >&2
for backend in ceph ceph-fast local; do
  echo "$services" | grep -E "\| cinder-volume +\| [^ ]+@$backend +\| nova +\| enabled +\| up +\|.*\| up +\|$" >/dev/null ||
    fail "service-list does not show the $backend backend up"
done
member service-list >/dev/null 2>&1 && fail "service-list answered a member"
member list-extensions | grep -E '\| AvailabilityZones +\|' >/dev/null || fail "list-extensions does not list AvailabilityZones"

step "group-list, group-type-list, group-snapshot-list: empty"
for listing in group-list group-type-list group-snapshot-list; do
  rows=$(member "$listing" | grep -c '^| [0-9a-f]\{8\}-') || true
  [[ $rows == 0 ]] || fail "$listing: expected an empty list, got $rows rows"
done

step "backup-create, backup-list, backup-restore (into a new volume, onto one), create --backup-id, backup-reset-state, backup-delete"
admin service-list --binary cinder-backup | grep -E "\| cinder-backup +\| [^ ]+ +\| nova +\| enabled +\| up +\|" >/dev/null ||
  fail "service-list does not show a cinder-backup service up"
rbd bench --io-type write --io-size 1M --io-total 6M --io-pattern seq "volumes/volume-$vol" >/dev/null || fail "rbd bench could not write $vol"
backed=$(rbd export --no-progress "volumes/volume-$vol" - | sha256sum | cut -d' ' -f1)
backup=$(member backup-create --name cli-backup "$vol" | prop id)
wait_for backup-show "$backup" available
member backup-list | grep -E "\| $backup +\| $vol +\| available +\| cli-backup +\| [0-9]+ +\| [1-9][0-9]* +\| backups +\|" >/dev/null ||
  fail "backup-list does not show $backup available in the backups container"
[[ $(rbd export --no-progress "backups/backup-$backup" - | sha256sum | cut -d' ' -f1) == "$backed" ]] || fail "backup $backup does not hold $vol's data"
refused "Incremental backups are not supported" member backup-create --incremental "$vol"
restored=$(member backup-restore --name cli-restored "$backup" | prop volume_id)
wait_for show "$restored" available
onto=$(member create --name cli-onto 2 | prop id)
wait_for show "$onto" available
member backup-restore --volume "$onto" "$backup" >/dev/null
wait_for show "$onto" available
from_backup=$(member --os-volume-api-version 3.47 create --backup-id "$backup" --name cli-from-backup | prop id)
wait_for show "$from_backup" available
for v in "$restored" "$onto" "$from_backup"; do
  [[ $(rbd export --no-progress "volumes/volume-$v" - | sha256sum | cut -d' ' -f1) == "$backed" ]] || fail "restored $v does not hold the backup's data"
done
refused "Policy doesn't allow volume_extension:backup_admin_actions:reset_status" member backup-reset-state --state error "$backup"
admin backup-reset-state --state error "$backup"
[[ $(member backup-show "$backup" | prop status) == error ]] || fail "backup-reset-state did not set error"
member backup-delete "$backup" >/dev/null
wait_absent "backup $backup" member backup-show "$backup"
! rbd info "backups/backup-$backup" >/dev/null 2>&1 || fail "backup $backup's data is still in the store"
member delete "$restored" "$onto" "$from_backup" >/dev/null
for v in "$restored" "$onto" "$from_backup"; do wait_gone "$v"; done

step "service-disable --reason (ceph-fast leaves get-pools), service-enable"
fast_host=$(echo "$services" | grep -oE '[^ ]+@ceph-fast' | head -1)
admin service-disable --reason "disk swap" "$fast_host" cinder-volume | grep -E "\| disabled +\| disk swap +\|" >/dev/null ||
  fail "service-disable --reason does not answer disabled with the reason"
admin service-list --binary cinder-volume | grep -E "\| $fast_host +\| nova +\| disabled +\|.*\| disk swap +\|" >/dev/null ||
  fail "service-list does not show $fast_host disabled with its reason"
admin get-pools | grep "$fast_host" >/dev/null && fail "get-pools lists the disabled $fast_host"
admin service-enable "$fast_host" cinder-volume | grep -E "\| enabled +\|" >/dev/null || fail "service-enable does not answer enabled"
admin get-pools | grep "$fast_host" >/dev/null || fail "get-pools does not list $fast_host once it is enabled"

step "service-set-log, service-get-log: the API's levels at once, a worker's within a heartbeat"
api_levels() { admin service-get-log --binary cinder-api --prefix BlockStore.Api | awk -F'|' '$4 ~ /BlockStore\.Api\./ { gsub(/ /, "", $5); print $5 }' | sort -u; }
admin service-set-log DEBUG --binary cinder-api --prefix BlockStore.Api
[[ $(api_levels) == DEBUG ]] || fail "service-get-log does not show the API's BlockStore.Api loggers at DEBUG: $(api_levels)"
admin service-set-log INFO --binary cinder-api --prefix BlockStore.Api
[[ $(api_levels) == INFO ]] || fail "service-get-log does not show the API's BlockStore.Api loggers back at INFO: $(api_levels)"
worker_level() {
  admin service-get-log --binary cinder-volume --server "$fast_host" --prefix BlockStore.Worker.Volumes.VolumeService |
    awk -F'|' '$4 ~ /VolumeService/ { gsub(/ /, "", $5); print $5 }'
}
admin service-set-log DEBUG --binary cinder-volume --server "$fast_host" --prefix BlockStore.Worker.Volumes.VolumeService
wait_status "the worker's level on $fast_host" DEBUG worker_level
admin service-set-log INFO --binary cinder-volume --server "$fast_host" --prefix BlockStore.Worker.Volumes.VolumeService
wait_status "the worker's level on $fast_host" INFO worker_level
member service-set-log DEBUG >/dev/null 2>&1 && fail "service-set-log answered a member"

step "type-create --is-public false, type-access-add, create with the shared type, type-access-remove"
private_name=cli-private-$project
private_id=$(admin type-create --is-public false "$private_name" | awk -F'|' -v n="$private_name" '{ gsub(/ /, "", $3) } $3 == n { gsub(/ /, "", $2); print $2 }')
[[ -n $private_id ]] || fail "type-create --is-public false returned no id"
member create --volume-type "$private_name" 1 >/dev/null 2>&1 && fail "a member used a private type that is not shared"
admin type-access-add --volume-type "$private_id" --project-id "$project"
admin type-access-list --volume-type "$private_id" | grep "$project" >/dev/null || fail "type-access-list does not show $project"
shared=$(member create --volume-type "$private_name" --name cli-shared 1 | prop id)
wait_for show "$shared" available
admin type-access-remove --volume-type "$private_id" --project-id "$project"
member type-list | grep "$private_name" >/dev/null && fail "type-list still shows $private_name after type-access-remove"

step "default-type-set (3.62), type-default, create without a type, default-type-list, type-delete refused, default-type-unset"
admin --os-volume-api-version 3.62 default-type-set "$type_name" "$project" | grep "$type_id" >/dev/null || fail "default-type-set does not show $type_id"
member type-default | grep -E "\| $type_name +\|" >/dev/null || fail "type-default does not show $type_name"
defaulted=$(member create --name cli-defaulted 1 | prop id)
[[ $(member show "$defaulted" | prop volume_type) == "$type_name" ]] || fail "a create without a type did not get the project's default $type_name"
wait_for show "$defaulted" available
admin --os-volume-api-version 3.62 default-type-list | grep "$project" >/dev/null || fail "default-type-list does not list $project"
admin --os-volume-api-version 3.62 default-type-list --project-id "$project" | grep "$type_id" >/dev/null || fail "default-type-list --project-id does not show $type_id"
member --os-volume-api-version 3.62 default-type-list >/dev/null 2>&1 && fail "default-type-list answered a member"
refused=$(admin type-delete "$type_id" 2>&1) && fail "type-delete of a project's default type was accepted"
[[ $refused == *"is a default volume type and cannot be deleted"* ]] || fail "type-delete of a project's default type: $refused"
admin --os-volume-api-version 3.62 default-type-unset "$project" | grep "has been unset" >/dev/null || fail "default-type-unset failed"
member type-default | grep -E "\| __DEFAULT__ +\|" >/dev/null || fail "type-default after default-type-unset is not __DEFAULT__"

step "list-filters (3.33), type-list --filters extra_specs={volume_backend_name:ceph} (3.52)"
member --os-volume-api-version 3.33 list-filters --resource volume | grep -E "\| volume +\| name, status, " >/dev/null || fail "list-filters does not list the volume filters"
filtered=$(admin --os-volume-api-version 3.52 type-list --filters "extra_specs={volume_backend_name:ceph}")
[[ $filtered == *"$type_name"* ]] || fail "type-list --filters extra_specs does not list $type_name"
[[ $filtered != *__DEFAULT__* ]] || fail "type-list --filters extra_specs lists __DEFAULT__, which names no backend"

step "get-pools --detail, get-capabilities, force-delete"
member get-pools >/dev/null 2>&1 && fail "get-pools answered a member"
pools=$(admin get-pools --detail)
echo "$pools" | grep -E '\| name +\| [^ ]+@ceph#volumes +\|' >/dev/null || fail "get-pools does not list the ceph backend's pool"
[[ $(echo "$pools" | prop free_capacity_gb) =~ ^[0-9]+(\.[0-9]+)?$ ]] || fail "get-pools --detail: free_capacity_gb is not a number"
ceph_host=$(echo "$pools" | grep -oE '[^ ]+@ceph#volumes' | head -1)
[[ $(admin get-capabilities "${ceph_host%%#*}" | prop volume_backend_name) == ceph ]] || fail "get-capabilities ${ceph_host%%#*}: not the ceph backend"
forced=$(member create --name cli-forced 1 | prop id)
wait_for show "$forced" available
admin force-delete "$forced"
wait_gone "$forced"
rbd_gone "$forced"

step "transfer-create, transfer-list, transfer-accept in another project"
gift=$(member create --name cli-gift 1 | prop id)
wait_for show "$gift" available
offer=$(member transfer-create --name cli-offer "$gift")
offer_id=$(echo "$offer" | prop id) auth_key=$(echo "$offer" | prop auth_key)
[[ -n $offer_id && ${#auth_key} == 16 ]] || fail "transfer-create returned no id or key"
[[ $(member show "$gift" | prop status) == awaiting-transfer ]] || fail "the offered volume is not awaiting-transfer"
member transfer-list | grep "$offer_id" >/dev/null || fail "transfer-list does not show $offer_id"
taker() { OS_USER_ID=demo OS_PROJECT_ID=$project-taker CINDER_ENDPOINT=$url/v3/$project-taker cinder "$@"; }
taker transfer-accept "$offer_id" "$auth_key" >/dev/null
[[ $(taker show "$gift" | prop status) == available ]] || fail "the accepted volume is not available to the taker"
member show "$gift" >/dev/null 2>&1 && fail "the giver still sees $gift"
rbd_check "$gift" 1
taker delete "$gift"
wait_absent "volume $gift" taker show "$gift"
rbd_gone "$gift"

step "retype --migration-policy on-demand (local → ceph), migrate (→ ceph-fast, → local): the data's sha256 never changes"
local_type=cli-local-$project
admin type-create "$local_type" >/dev/null
admin type-key "$local_type" set volume_backend_name=local
moved=$(member create --volume-type "$local_type" --name cli-moved 1 | prop id)
wait_for show "$moved" available
file=${Backends__local__Path:?Backends__local__Path is not set: eval \"\$(scripts/stack env)\" first}/volume-$moved
# Random data in two places of the sparse file; the rest stays a hole.
for mib in 0 700; do head -c 4M /dev/urandom | dd of="$file" bs=1M seek="$mib" conv=notrunc,fsync status=none; done
want=$(sha256sum <"$file" | cut -d' ' -f1)
# wait_moved <id> <backend>: until the migration succeeded and the volume's host (host@backend#pool) is on that backend.
wait_moved() { wait_status "migration of $1 to $2" "$2" moved_to "$1"; }
moved_to() {
  local shown host
  shown=$(admin show "$1") host=$(echo "$shown" | prop os-vol-host-attr:host)
  case "$(echo "$shown" | prop os-vol-mig-status-attr:migstat)/$(echo "$shown" | prop status)" in
    error/*) echo error ;;
    success/available) host=${host#*@} && echo "${host%%#*}" ;;
    *) echo moving ;;
  esac
}
# copies_elsewhere <pool or "local">: the volume's images and file outside that place.
copies_elsewhere() {
  local pool
  for pool in volumes volumes-fast; do
    [[ $pool == "$1" ]] || ! rbd info "$pool/volume-$moved" >/dev/null 2>&1 || echo "$pool/volume-$moved"
  done
  [[ $1 == local || ! -e $file ]] || echo "$file"
}
# same_data <pool or "local">: the whole device's sha256 where the volume now lives, and, once the worker has removed
# the source (after the switch-over, so a little after migration_status says success), no copy left elsewhere.
same_data() {
  local got left i
  if [[ $1 == local ]]; then got=$(sha256sum <"$file" | cut -d' ' -f1)
  else got=$(rbd export --no-progress "$1/volume-$moved" - | sha256sum | cut -d' ' -f1); fi
  printf '  sha256 on %s: %s\n' "$1" "$got" >&2
  [[ $got == "$want" ]] || fail "sha256 on $1 is $got, expected $want"
  for ((i = 0; i < 60; i++)); do
    left=$(copies_elsewhere "$1")
    [[ -z $left ]] && return 0
    sleep 0.5
  done
  fail "left behind after the migration to $1: $left"
}
refused=$(member retype "$moved" "$type_name" 2>&1) && fail "retype across backends without a migration policy was accepted"
[[ $refused == *"Retype requires migration but is not allowed."*"(HTTP 400)"* ]] || fail "retype with policy never: $refused"
member retype --migration-policy on-demand "$moved" "$type_name"
wait_moved "$moved" ceph
[[ $(member show "$moved" | prop volume_type) == "$type_name" ]] || fail "retype: the volume's type is not $type_name"
same_data volumes
# cinderclient's migrate prints a failure and exits 0, so its output is the judge.
migrate() { local out; out=$(admin migrate "$@" 2>&1); [[ $out == *"has been accepted"* ]] || fail "migrate $*: $out"; }
refused=$(member migrate "$moved" ceph-fast 2>&1)
[[ $refused == *"Policy doesn't allow volume_extension:volume_admin_actions:migrate_volume"*"(HTTP 403)"* ]] || fail "migrate by a member: $refused"
fast_pool=$(admin get-pools | grep -oE '[^ ]+@ceph-fast#[^ ]+' | head -1)
[[ -n $fast_pool ]] || fail "get-pools does not list the ceph-fast backend's pool"
migrate "$moved" "$fast_pool"
wait_moved "$moved" ceph-fast
same_data volumes-fast
migrate --force-host-copy True "$moved" local
wait_moved "$moved" local
same_data local
[[ $(member show "$moved" | prop volume_type) == "$type_name" ]] || fail "migrate changed the volume's type"

step "upload-to-image of the moved volume, then reimage (3.68) of another volume with that image: the same sha256"
uploaded=$(member upload-to-image --disk-format raw "$moved" "cli-image-$project" | prop image_id)
[[ $uploaded =~ ^[0-9a-f-]{36}$ ]] || fail "upload-to-image returned no image id"
image_status() { curl -sf -H "X-Auth-Token: demo:$project" "$url/v2/images/$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["status"])'; }
wait_status "image $uploaded" active image_status "$uploaded"
wait_for show "$moved" available
reimaged=$(member create --name cli-reimaged 1 | prop id)
wait_for show "$reimaged" available
# Data of its own first, which the re-image must replace.
rbd bench --io-type write --io-size 1M --io-total 8M --io-pattern rand "volumes/volume-$reimaged" >/dev/null
member --os-volume-api-version 3.68 reimage "$reimaged" "$uploaded"
wait_for show "$reimaged" available
got=$(rbd export --no-progress "volumes/volume-$reimaged" - | sha256sum | cut -d' ' -f1)
[[ $got == "$want" ]] || fail "reimage: sha256 is $got, expected $want"
member show "$reimaged" | grep -E "\| +image_id : $uploaded +\|" >/dev/null || fail "reimage: the volume's image metadata does not name $uploaded"
member delete "$reimaged"
wait_gone "$reimaged"
curl -sf -X DELETE -H "X-Auth-Token: demo:$project" "$url/v2/images/$uploaded" || fail "deleting image $uploaded failed"
member delete "$moved"
wait_gone "$moved"
[[ ! -e $file ]] || fail "$file left behind after delete"
admin type-delete "$local_type"

step "qos-create (front-end, per GiB), qos-associate, qos-list, qos-show, qos-key, qos-get-association; the connection info carries the limits; qos-disassociate, qos-delete"
qos=$(admin qos-create "cli-qos-$project" consumer=front-end total_iops_sec_per_gb=100 read_bytes_sec=1048576 | prop id)
[[ $qos =~ ^[0-9a-f-]{36}$ ]] || fail "qos-create returned no id"
admin qos-associate "$qos" "$type_id"
admin qos-get-association "$qos" | grep "$type_id" >/dev/null || fail "qos-get-association does not list $type_id"
admin qos-list | grep "cli-qos-$project" >/dev/null || fail "qos-list does not list cli-qos-$project"
admin qos-key "$qos" set write_iops_sec=50
admin qos-show "$qos" | grep "write_iops_sec" >/dev/null || fail "qos-key set: qos-show lacks write_iops_sec"
limited=$(member create --volume-type "$type_name" --name cli-qos 2 | prop id)
wait_for show "$limited" available
connected=$(member attachment-create "$limited" "$(python3 -c 'import uuid; print(uuid.uuid4())')" --connect True --host cli-compute)
echo "$connected" | grep -E "\| qos_specs .*'total_iops_sec': '200'" >/dev/null || fail "the connection info does not carry total_iops_sec 200 (100 per GiB of 2 GiB)"
echo "$connected" | grep -E "\| qos_specs .*'write_iops_sec': '50'" >/dev/null || fail "the connection info does not carry write_iops_sec"
member attachment-delete "$(echo "$connected" | prop id)"
admin qos-key "$qos" unset write_iops_sec
admin qos-show "$qos" | grep "write_iops_sec" >/dev/null && fail "qos-key unset left write_iops_sec"
refused=$(admin qos-delete "$qos" 2>&1) && fail "qos-delete of associated specs was accepted"
[[ $refused == *"Qos specs still in use."* ]] || fail "qos-delete of associated specs: $refused"
admin qos-disassociate "$qos" "$type_id"
admin qos-delete "$qos"
member delete "$limited"
wait_gone "$limited"

step "qos-create (back-end), a type with it: the RBD image carries the limits (rbd image-meta), retype takes them off"
backend_qos=$(admin qos-create "cli-qos-be-$project" consumer=back-end total_iops_sec=500 write_bytes_sec=1048576 | prop id)
qos_type=$(admin type-create "cli-qos-type-$project" | awk -F'|' '/cli-qos-type/ { gsub(/ /, "", $2); print $2 }')
admin qos-associate "$backend_qos" "$qos_type"
limited=$(member create --volume-type "$qos_type" 1 | prop id)
wait_for show "$limited" available
[[ $(rbd image-meta get "volumes/volume-$limited" conf_rbd_qos_iops_limit) == 500 ]] || fail "the image lacks conf_rbd_qos_iops_limit 500"
[[ $(rbd image-meta get "volumes/volume-$limited" conf_rbd_qos_write_bps_limit) == 1048576 ]] || fail "the image lacks conf_rbd_qos_write_bps_limit"
member retype "$limited" "$type_name"
wait_for show "$limited" available
rbd image-meta list "volumes/volume-$limited" | grep conf_rbd_qos >/dev/null && fail "retype to a type without back-end QoS left the limits on the image"
member delete "$limited"
wait_gone "$limited"
admin qos-disassociate "$backend_qos" "$qos_type"
admin qos-delete "$backend_qos"
admin type-delete "$qos_type"

step "attachment-create --connect (as a compute host), the connection info reaches the image, attachment-complete, extend in-use, attachment-delete"
server=$(python3 -c 'import uuid; print(uuid.uuid4())')
attached=$(member attachment-create "$vol" "$server" --connect True --host cli-compute --mountpoint /dev/vdb)
attachment=$(echo "$attached" | prop id)
[[ $(echo "$attached" | prop driver_volume_type) == rbd ]] || fail "attachment-create: the connection info is not rbd's"
# Only what the connection info says (no ceph.conf): its monitors, user and image name, with client.blockstore's keyring.
mon=$(echo "$attached" | python3 -c 'import ast, sys, re
t = sys.stdin.read()
row = lambda k: re.search(r"\| " + k + r" +\| (.*?) +\|", t).group(1)
print(",".join(f"{h}:{p}" for h, p in zip(ast.literal_eval(row("hosts")), ast.literal_eval(row("ports")))))')
keyring=$(sed -n 's/.*--keyring \([^ ]*\).*/\1/p' <<<"$CEPH_ARGS")
CEPH_ARGS="" rbd -c /dev/null -m "$mon" --id "$(echo "$attached" | prop auth_username)" --keyring "$keyring" \
  info "$(echo "$attached" | prop name)" 2>/dev/null | grep "size 2 GiB" >/dev/null || fail "the connection info ($mon) does not reach the image"
[[ $(member show "$vol" | prop status) == attaching ]] || fail "the volume is not attaching after attachment-create --connect"
member attachment-complete "$attachment"
[[ $(member show "$vol" | prop status) == in-use ]] || fail "attachment-complete: the volume is not in-use"
member show "$vol" | prop attached_servers | grep "$server" >/dev/null || fail "show: attached_servers lacks $server"
member attachment-list | grep "$attachment" >/dev/null || fail "attachment-list does not show $attachment"
member delete "$vol" >/dev/null 2>&1 && fail "an attached volume was deleted"
member extend "$vol" 3
wait_for show "$vol" in-use
rbd_check "$vol" 3
member attachment-delete "$attachment"
[[ $(member show "$vol" | prop status) == available ]] || fail "attachment-delete: the volume is not available"

step "multiattach: a type with multiattach=\"<is> True\", a volume of it without the single-writer RBD features, attached by two hosts, retyped to a plain type and back"
mt=$(admin type-create "cli-shared-$project" | awk -F'|' '/cli-shared/ { gsub(/ /, "", $2); print $2 }')
admin type-key "$mt" set multiattach="<is> True"
shared_vol=$(member create --volume-type "$mt" 1 | prop id)
wait_for show "$shared_vol" available
[[ $(member show "$shared_vol" | prop multiattach) == True ]] || fail "a volume of a multiattach type is not multiattach"
rbd info "volumes/volume-$shared_vol" | grep -E "features:.*exclusive-lock" >/dev/null && fail "a multiattach volume's image kept exclusive-lock"
for h in cli-node-1 cli-node-2; do
  # Captured whole first: prop stops reading at its row, and the connection info that follows is long enough that
  # cinder would still be writing it (a broken pipe, exit 120).
  attached_to=$(member attachment-create "$shared_vol" "$(python3 -c 'import uuid; print(uuid.uuid4())')" --connect True --host "$h" --mountpoint /dev/vdc)
  a=$(echo "$attached_to" | prop id)
  member attachment-complete "$a"
done
[[ $(member show "$shared_vol" | prop status) == in-use ]] || fail "the multiattach volume is not in-use"
[[ $(member attachment-list --filters volume_id="$shared_vol" | grep -c attached) == 2 ]] || fail "attachment-list does not show two attachments"
for a in $(member attachment-list --filters volume_id="$shared_vol" | awk -F'|' '/attached/ { gsub(/ /, "", $2); print $2 }'); do member attachment-delete "$a"; done
# Detached, it may stop being multiattach, and be so again: the worker changes the image's features.
member retype "$shared_vol" "$type_name"
wait_for show "$shared_vol" available
[[ $(member show "$shared_vol" | prop multiattach) == False ]] || fail "retype to a plain type: the volume is still multiattach"
features=$(rbd info "volumes/volume-$shared_vol")
grep -E "features:.*exclusive-lock, object-map, fast-diff" <<<"$features" >/dev/null || fail "retype to a plain type: the image lacks single-writer features"
grep -E "flags: .*invalid" <<<"$features" >/dev/null && fail "retype to a plain type: the image's object map was left invalid"
member retype "$shared_vol" "$mt"
wait_for show "$shared_vol" available
[[ $(member show "$shared_vol" | prop multiattach) == True ]] || fail "retype to the multiattach type: the volume is not multiattach"
member delete "$shared_vol"
wait_gone "$shared_vol"
admin type-delete "$mt"

step "the attach flow before attachments (cinderclient's library: reserve, initialize_connection, attach, begin/roll_detaching, terminate, detach); reset-state --attach-status detached"
read -r mon user image < <(/usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/legacy_attach.py" "$url" "$project" "$vol") || fail "the legacy attach flow failed"
CEPH_ARGS="" rbd -c /dev/null -m "$mon" --id "$user" --keyring "$keyring" info "$image" 2>/dev/null | grep "size 3 GiB" >/dev/null \
  || fail "os-initialize_connection's connection info ($mon) does not reach the image"
stuck=$(member attachment-create "$vol" "$server" | prop id)
[[ $(member show "$vol" | prop status) == reserved ]] || fail "attachment-create without --connect: the volume is not reserved"
admin reset-state --attach-status detached "$vol"
[[ $(member show "$vol" | prop status) == available ]] || fail "reset-state --attach-status detached: the volume is not available"
member attachment-list | grep "$stuck" >/dev/null && fail "reset-state --attach-status detached left attachment $stuck"

step "manageable-list (3.8), manage of an image made with rbd import, with a snapshot taken by rbd"
legacy=cli-legacy-$RANDOM$RANDOM
data=$(mktemp)
head -c 5242880 /dev/urandom > "$data"
rbd import --no-progress "$data" "volumes/$legacy"
rbd snap create --no-progress "volumes/$legacy@cli-before"
want=$(sha256sum < "$data")
# first_5mib_sha <image>: the sha256 of the image's first 5 MiB, where the imported data is.
first_5mib_sha() { rbd export --no-progress "volumes/$1" "$data.out" >/dev/null && head -c 5242880 "$data.out" | sha256sum && rm -f "$data.out"; }
ceph_host=$(admin service-list | awk -F'|' '/cinder-volume/ { gsub(/ /, "", $3); if ($3 ~ /@ceph$/) { print $3; exit } }')
# The list shows what the worker's last scan found (every Manage:ScanInterval). It holds every volume of the backend
# too (volume-…), more than its first page of 1,000 in a full test run: sorted by reference, cli-… comes first.
listed() { admin --os-volume-api-version 3.8 manageable-list --sort reference:asc "$ceph_host"; }
# Until a scan that ran after rbd let go of it: one that ran during the import or the snapshot saw the image open.
safe_listed() { listed | grep -E "'$legacy'\} *\| 1 *\| True" >/dev/null; }
for _ in $(seq 90); do safe_listed && break; sleep 1; done
safe_listed \
  || fail "manageable-list $ceph_host does not show $legacy as 1 GiB and safe to manage"
adopted=$(admin manage --name cli-adopted "$ceph_host" "$legacy" | prop id)
wait_for show "$adopted" available
rbd_check "$adopted" 1
[[ $(first_5mib_sha "volume-$adopted") == "$want" ]] || fail "manage: the volume does not hold the image's data"
rbd info "volumes/$legacy" >/dev/null 2>&1 && fail "manage left $legacy under its old name"
refused=$(admin delete "$adopted" 2>&1) && fail "a volume holding a snapshot BlockStore does not manage was deleted"
[[ $refused == *"does not manage (cli-before)"* ]] || fail "the refused delete does not name the snapshot: $refused"

step "snapshot-manageable-list, snapshot-manage of the snapshot rbd took, snapshot-unmanage: it stays on the image"
# Sorted by reference, cli-… comes before every snapshot-… of the backend.
snap_listed() { admin snapshot-manageable-list --sort reference:asc "$ceph_host"; }
snap_listed | grep -E "'cli-before'\} *\| 1 *\| True *\| \{'source-name': 'volume-$adopted'\}" >/dev/null \
  || fail "snapshot-manageable-list $ceph_host does not show cli-before of volume-$adopted, safe to manage"
managed_snap=$(admin snapshot-manage --name cli-managed "$adopted" cli-before | prop id)
wait_for snapshot-show "$managed_snap" available
[[ $(first_5mib_sha "volume-$adopted@snapshot-$managed_snap") == "$want" ]] || fail "snapshot-manage: the snapshot does not hold the data"
rbd info "volumes/volume-$adopted@snapshot-$managed_snap" | grep "protected: True" >/dev/null || fail "snapshot-manage: the snapshot is not protected"
snap_listed | grep -E "'snapshot-$managed_snap'\} .*already managed *\| $managed_snap" >/dev/null \
  || fail "snapshot-manageable-list does not show snapshot-$managed_snap as already managed"
admin snapshot-unmanage "$managed_snap"
wait_absent "snapshot $managed_snap" member snapshot-show "$managed_snap"
rbd info "volumes/volume-$adopted@snapshot-$managed_snap" | grep "protected: False" >/dev/null \
  || fail "snapshot-unmanage: the RBD snapshot is gone, or still protected"

step "unmanage: the volume's data stays, as volume-<id>.unmanaged, with the snapshot BlockStore let go"
admin unmanage "$adopted"
wait_gone "$adopted"
[[ $(first_5mib_sha "volume-$adopted.unmanaged") == "$want" ]] || fail "unmanage: volume-$adopted.unmanaged does not hold the data"
rbd snap purge --no-progress "volumes/volume-$adopted.unmanaged"
rbd rm --no-progress "volumes/volume-$adopted.unmanaged"
rm -f "$data"

step "work-cleanup (3.24): a service that is up is not cleaned by default, and is with --is-up true"
[[ $(admin --os-volume-api-version 3.24 work-cleanup --host "$ceph_host") == *"No cleanable services matched"* ]] \
  || fail "work-cleanup --host $ceph_host selected a service that is up"
admin --os-volume-api-version 3.24 work-cleanup --is-up true --host "$ceph_host" | grep -E "\| *$ceph_host *\| cinder-volume" >/dev/null \
  || fail "work-cleanup --is-up true --host $ceph_host does not clean it"

step "delete"
member delete "$from_snap" "$from_vol" "$typed" "$shared" "$defaulted"
for id in "$from_snap" "$from_vol" "$typed" "$shared" "$defaulted"; do wait_gone "$id"; rbd_gone "$id"; done
member snapshot-delete "$snap"
wait_absent "snapshot $snap" member snapshot-show "$snap"
member delete "$vol"
wait_gone "$vol"
rbd_gone "$vol"
admin type-delete "$type_id"
admin type-delete "$private_id"
usage=$(member quota-usage "$project")
[[ $(in_use volumes) == 0 ]] || fail "quota-usage after delete: volumes in use is $(in_use volumes), expected 0"

step "all cinderclient steps passed"
