# fibdns: an optional Knot DNS secondary of the AS (Debian's `knot` package), for
# `docker compose -f docker/compose.yaml --profile secondary up`. Built from the repository root:
#
#   docker build -f docker/knot-secondary.Dockerfile -t fibdns/knot-secondary docker
#
# Its own small Dockerfile (not a target of docker/Dockerfile) so that building it never builds the
# C++ stage. knotd runs in the foreground as Debian's `knot` user; the entrypoint writes its
# configuration from the environment (see docker/knot-secondary.sh).
FROM debian:bookworm-slim
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends knot \
 && rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log \
 && install -d -o knot -g knot -m 0750 /var/lib/knot /var/lib/knot/db
COPY knot-secondary.sh /usr/local/bin/knot-secondary
ENV FIBDNS_PRIMARY=authoritative-server \
    FIBDNS_PRIMARY_PORT=53533 \
    FIBDNS_ZONES=. \
    FIBDNS_LISTEN_PORT=53533
USER knot:knot
WORKDIR /var/lib/knot
EXPOSE 53533/udp 53533/tcp
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["knotc", "-c", "/var/lib/knot/knot.conf", "status"]
ENTRYPOINT ["/usr/local/bin/knot-secondary"]
