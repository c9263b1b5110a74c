# syntax=docker/dockerfile:1
#
# One image for every flowmesh service; the container's arguments pick the subcommand:
#
#   docker build -t flowmesh:0.1.0 .
#   docker run --rm flowmesh:0.1.0 joiner --help
#
# The services run from their TypeScript sources through tsx (bin/flowmesh.js), as they
# do in the repository: there is no separate build step for them.
#
# The eBPF probe is built in its own stage. bpf/Makefile generates bpf/vmlinux.h from
# the BUILD host's /sys/kernel/btf/vmlinux (bpf/vmlinux.h is git-ignored and excluded
# by .dockerignore), so the probe needs a build host with a BTF kernel
# (CONFIG_DEBUG_INFO_BTF); elsewhere the image is built without it. The compiled object
# carries CO-RE relocations, so the image runs on any BTF kernel new enough for the
# probe (5.17+), not only on the build host's. The target architecture is the build
# host's (bpf/Makefile reads uname -m): build arm64 images on arm64 machines rather
# than under emulation.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------
# probe: bpf/.output/flowprobe-loader (the eBPF object is embedded in it as a skeleton)
FROM ${NODE_IMAGE} AS probe
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev gcc libc6-dev make pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src/bpf
COPY bpf/ ./
# Without BTF on the build host the image is built without the probe: the agent then runs only
# with --source synthetic and says so at start ("probe not built").
RUN mkdir -p .output \
 && if [ -r /sys/kernel/btf/vmlinux ]; then make && test -x .output/flowprobe-loader; \
    else echo "WARNING: /sys/kernel/btf/vmlinux not readable on the build host: building without the eBPF probe" >&2; fi

# ---------------------------------------------------------------------------
# deps: production node_modules for the workspaces (tsx is a runtime dependency)
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
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

# ---------------------------------------------------------------------------
# runtime
FROM ${NODE_IMAGE}
# libbpf1 and libelf1: what flowprobe-loader links against (zlib is in the base image).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libbpf1 libelf1 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin/ bin/
COPY schemas/ schemas/
COPY lib/ lib/
COPY cli/ cli/
COPY services/ services/
# bpf/.output/flowprobe-loader: where the agent looks by default (services/node-agent: DEFAULT_LOADER_PATH).
COPY --from=probe /src/bpf/.output/ bpf/.output/

# Every service except the node agent runs unprivileged. The agent needs root with
# CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN and CAP_SYS_PTRACE: docker-compose.kafka.yml and
# deploy/kubernetes/agent-daemonset.yaml set `user: root` / `runAsUser: 0` for it.
USER node
EXPOSE 9400
ENTRYPOINT ["node", "/app/bin/flowmesh.js"]
CMD ["--help"]
