#!/usr/bin/env bash
# Drives the real python3-glanceclient (`glance …`) against the image registry of a running BlockStore (API and worker),
# with the noauth token (user:project) and no Keystone: glanceclient finds the version at /versions and validates every
# image against /v2/schemas/image. An image is uploaded, shared with a second project through image members, and made
# into a volume there with cinder; rbd, as client.blockstore, shows that volume as a clone of the image's snapshot.
#
#   tests/cli/glanceclient.sh http://127.0.0.1:<api port>
#
# Needs the stack's environment (eval "$(scripts/stack env)"). Run by Worker.Tests (ClientScriptTests) against its own
# API and worker. Any failing step fails the script.
set -euo pipefail

url=${1:?usage: tests/cli/glanceclient.sh <api url>}
owner=gl-$(date +%s)-$RANDOM
consumer=$owner-consumer
third=$owner-third
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# as <project> <glance arguments…>: glance as a member (demo) of that project.
as() { local project=$1; shift; glance --os-image-url "$url" --os-auth-token "demo:$project" "$@" </dev/null; }
# cinder_as <project> <cinder arguments…>
cinder_as() {
  local project=$1; shift
  OS_AUTH_TYPE=noauth OS_USER_ID=demo OS_PROJECT_ID=$project CINDER_ENDPOINT=$url/v3/$project OS_VOLUME_API_VERSION=3.50 cinder "$@"
}
volume_status() { cinder_as "$consumer" show "$1" | prop status; }
# listed <project> <image> [glance image-list options…]: whether the image is in that project's list.
listed() { local project=$1 id=$2; shift 2; as "$project" image-list "$@" | grep -q "$id"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

step "image-create --file: a sparse raw disk of 8 MiB with data at both ends, visibility shared"
truncate -s 8M "$tmp/disk.raw"
printf 'blockstore head' | dd of="$tmp/disk.raw" conv=notrunc status=none
printf 'blockstore tail' | dd of="$tmp/disk.raw" bs=1 seek=$((8 * 1024 * 1024 - 4096)) conv=notrunc status=none
shown=$(as "$owner" image-create --name "gl-$owner" --disk-format raw --container-format bare --visibility shared --file "$tmp/disk.raw")
image=$(prop id <<<"$shown")
[[ $image =~ ^[0-9a-f-]{36}$ ]] || fail "image-create returned no id: $shown"
[[ $(prop status <<<"$shown") == active ]] || fail "the image is not active after its upload: $shown"
[[ $(prop checksum <<<"$shown") == $(md5sum <"$tmp/disk.raw" | cut -d' ' -f1) ]] || fail "checksum is not the file's MD5"
[[ $(rbd info --format json "images/$image" | python3 -c 'import json, sys; print(json.load(sys.stdin)["size"])') == 8388608 ]] ||
  fail "images/$image is not 8 MiB"

step "image-update --property, image-tag-update and image-tag-delete"
[[ $(as "$owner" image-update --property os_distro=debian --min-disk 1 "$image" | prop os_distro) == debian ]] || fail "os_distro not set"
as "$owner" image-tag-update "$image" golden >/dev/null
as "$owner" image-tag-update "$image" base >/dev/null
as "$owner" image-tag-delete "$image" base
[[ $(as "$owner" image-show "$image" | prop tags) == '["golden"]' ]] || fail "tags are not [golden]"
listed "$owner" "$image" --tag golden || fail "image-list --tag golden does not list the image"

step "before it is offered, another project does not see it"
refused "could not be found" as "$consumer" image-show "$image"
listed "$consumer" "$image" --member-status all && fail "image-list shows the image to a project it is not shared with"

step "member-create: the consumer finds it by id at once, lists it once it accepts (member-update)"
[[ $(as "$owner" member-create "$image" "$consumer") == *"$consumer"*pending* ]] || fail "member-create did not leave the member pending"
[[ $(as "$consumer" image-show "$image" | prop id) == "$image" ]] || fail "the consumer does not find the image by id"
listed "$consumer" "$image" && fail "a pending member lists the image by default"
listed "$consumer" "$image" --member-status pending || fail "image-list --member-status pending does not list it"
refused "not permitted to modify 'status'" as "$owner" member-update "$image" "$consumer" accepted
as "$consumer" member-update "$image" "$consumer" accepted >/dev/null
listed "$consumer" "$image" || fail "an accepted member does not list the image"
listed "$consumer" "$image" --visibility shared || fail "image-list --visibility shared does not list it"

step "image-download as the consumer: the bytes uploaded, checked against their MD5 by glanceclient and here"
as "$consumer" image-download --file "$tmp/downloaded.raw" "$image"
cmp "$tmp/disk.raw" "$tmp/downloaded.raw" || fail "the downloaded data differs from the uploaded file"
refused "could not be found" as "$third" image-download --file "$tmp/third.raw" "$image"

step "member-list: the owner sees the consumer; the consumer sees itself; a third project sees nothing"
[[ $(as "$owner" member-list --image-id "$image") == *"$consumer"*accepted* ]] || fail "the owner's member-list lacks the consumer"
[[ $(as "$consumer" member-list --image-id "$image") == *"$consumer"* ]] || fail "the consumer's member-list lacks itself"
refused "could not be found" as "$third" member-list --image-id "$image"
refused "Not allowed to create members" as "$consumer" member-create "$image" "$third"

step "the consumer makes a volume of it with cinder: a copy-on-write clone of images/$image@snap"
vol=$(cinder_as "$consumer" create --image-id "$image" --name "gl-vol" 1 | prop id)
wait_status "volume $vol" available volume_status "$vol"
parent=$(rbd info --format json "volumes/volume-$vol" |
  python3 -c 'import json, sys; p = json.load(sys.stdin).get("parent") or {}; print("%s/%s@%s" % (p.get("pool"), p.get("image"), p.get("snapshot")))')
[[ $parent == "images/$image@snap" ]] || fail "volume-$vol's parent is $parent, not images/$image@snap"
[[ $(cinder_as "$consumer" show "$vol" | prop bootable) == true ]] || fail "the volume from the image is not bootable"

step "member-delete: the consumer loses the image; its volume stays"
refused "You cannot delete image member" as "$consumer" member-delete "$image" "$consumer"
as "$owner" member-delete "$image" "$consumer"
refused "could not be found" as "$consumer" image-show "$image"
[[ $(volume_status "$vol") == available ]] || fail "the consumer's volume is not available after the member went"

step "delete the volume, then the image: its data goes from the images pool"
cinder_as "$consumer" delete "$vol" >/dev/null
wait_absent "volume $vol" cinder_as "$consumer" show "$vol"
as "$owner" image-delete "$image"
refused "could not be found" as "$owner" image-show "$image"
wait_absent "images/$image" rbd info "images/$image"

step "all glanceclient steps passed"
