# syntax=docker/dockerfile:1
#
# One image for every flowmesh service; the container's arguments pick the subcommand:
#
#   docker build -t ghcr.io/<org>/flowmesh:0.1.0 .
#   docker run --rm ghcr.io/<org>/flowmesh:0.1.0 joiner --help
#
# The services run compiled: scripts/build.js bundles the CLI into dist/ (esbuild), and
# FLOWMESH_RUN=build makes bin/flowmesh.js run that bundle without looking for sources (the
# image has none, nor tsx, a dev dependency).
#
# The eBPF probe is built in its own stage. bpf/Makefile generates bpf/vmlinux.h from the
# BUILD host's /sys/kernel/btf/vmlinux (bpf/vmlinux.h is git-ignored and excluded by
# .dockerignore), so the probe needs a build host with a BTF kernel (CONFIG_DEBUG_INFO_BTF).
# Without one the build FAILS, rather than produce an agent that can only simulate traffic;
# `--build-arg PROBE=skip` builds such an image on purpose (its agent then runs only with
# --source synthetic and says so at start). The compiled object carries CO-RE relocations, so
# the image runs on any BTF kernel new enough for the probe (5.17+), not only on the build
# host's. The probe is built for the architecture the stage runs on (bpf/Makefile reads
# uname -m): for amd64 + arm64 build each platform on a native builder (docs/production.md,
# "Building the image").

ARG NODE_IMAGE=node:24-bookworm-slim

# ---------------------------------------------------------------------------
# probe: bpf/.output/flowprobe-loader (the eBPF object is embedded in it as a skeleton)
FROM ${NODE_IMAGE} AS probe
# build: the probe, or fail without BTF; skip: an image without it, explicitly.
ARG PROBE=build
WORKDIR /src/bpf
COPY bpf/ ./
RUN mkdir -p .output \
 && case "$PROBE" in \
      build) \
        if [ ! -r /sys/kernel/btf/vmlinux ]; then \
          echo "error: /sys/kernel/btf/vmlinux is not readable on this build host, so the eBPF probe cannot be built." >&2; \
          echo "error: build on a host whose kernel has BTF (CONFIG_DEBUG_INFO_BTF), or pass --build-arg PROBE=skip for an image whose agent runs only --source synthetic." >&2; \
          exit 1; \
        fi \
        && apt-get update \
        && apt-get install -y --no-install-recommends \
             clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev gcc libc6-dev make pkg-config \
        && rm -rf /var/lib/apt/lists/* \
        && make && test -x .output/flowprobe-loader ;; \
      skip) echo "PROBE=skip: building the image without the eBPF probe (the agent runs only --source synthetic)" >&2 ;; \
      *) echo "error: --build-arg PROBE must be build or skip, not '$PROBE'" >&2; exit 1 ;; \
    esac

# ---------------------------------------------------------------------------
# deps: production node_modules for the workspaces
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY lib/package.json lib/
COPY cli/package.json cli/
COPY services/node-agent/package.json services/node-agent/
COPY services/joiner/package.json services/joiner/
COPY services/enricher/package.json services/enricher/
COPY services/metadata-sync/package.json services/metadata-sync/
COPY services/ipfix-export/package.json services/ipfix-export/
COPY services/flow-metrics/package.json services/flow-metrics/
COPY services/ui/package.json services/ui/
# Fixes to dependencies, applied by the postinstall script (patch-package; see patches/README.md).
COPY patches/ patches/
# zstd-napi (the zstd Kafka codec) fetches a prebuilt addon and compiles it when it cannot:
# the compiler is here for that case, and stays in this stage only.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

# ---------------------------------------------------------------------------
# build: dist/, the CLI and the child-process entry points as JavaScript (scripts/build.js)
FROM deps AS build
COPY bin/ bin/
COPY lib/ lib/
COPY cli/ cli/
COPY services/ services/
COPY scripts/build.js scripts/
RUN node scripts/build.js

# ---------------------------------------------------------------------------
# runtime: the build and what it reads at run time, no TypeScript sources
FROM ${NODE_IMAGE}
# libbpf1 and libelf1: what flowprobe-loader links against (zlib is in the base image).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libbpf1 libelf1 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
# bin/flowmesh.js runs dist/main.js and never the sources through tsx.
ENV FLOWMESH_RUN=build
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin/ bin/
COPY --from=build /app/dist/ dist/
# Read at run time: the Avro schemas, and the ui's page (its script is bundled when the ui starts).
COPY schemas/ schemas/
COPY services/ui/web/ services/ui/web/
# ...and the one server module the page's scripts import (the big-map size rule both sides apply).
COPY services/ui/src/graph/map-size.ts services/ui/src/graph/
# bpf/.output/flowprobe-loader: where the agent looks by default (services/node-agent: DEFAULT_LOADER_PATH).
COPY --from=probe /src/bpf/.output/ bpf/.output/

# Every service except the node agent runs unprivileged. The agent needs root with
# CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN and CAP_SYS_PTRACE: docker-compose.kafka.yml and
# deploy/kubernetes/agent-daemonset.yaml set `user: root` / `runAsUser: 0` for it.
USER node
# 9400-9406: the services' HTTP ports; 9407: the agent's probe responder (TCP and UDP).
EXPOSE 9400-9407 9407/udp
ENTRYPOINT ["node", "/app/bin/flowmesh.js"]
CMD ["--help"]
