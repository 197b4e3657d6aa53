# Single-node Ceph for docker-compose.yml, set up by the same script as the
# local stack (scripts/lib/ceph-bootstrap.sh).
FROM debian:12
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ceph-mon ceph-osd ceph-mgr ceph-common librbd1 librados2 iproute2 \
 && rm -rf /var/lib/apt/lists/*
COPY scripts/lib/ /opt/blockstore/lib/
COPY docker/ceph-entrypoint.sh /opt/blockstore/ceph-entrypoint.sh
VOLUME ["/var/lib/blockstore"]
EXPOSE 3300 6789 6800-6900
ENTRYPOINT ["/opt/blockstore/ceph-entrypoint.sh"]
