#!/bin/sh
# Installs the system tools that crdt-net's discovery and browser tests use, when they are missing:
#   dnsmasq  (package dnsmasq-base: the binary only, no service that would take port 53;
#             the DNS discovery tests run their own dnsmasq on a free port of 127.0.0.1)
#   ip       (package iproute2: the multicast test sets up loopback in its own network namespace)
#   chromium, chromedriver (packages chromium and chromium-driver: the cluster page's browser test
#             drives Debian's headless Chromium through its own driver, never a downloaded one)
# Idempotent: installs nothing that is present. Needs root and apt-get; without them it says so
# and exits 0, and the tests that need the tools skip with a message. Never fails the build.
# Set CONVERGE_NO_INSTALL=1 to skip the installation.

log() { echo "[install-test-tools] $*"; }

missing=""
command -v dnsmasq >/dev/null 2>&1 || [ -x /usr/sbin/dnsmasq ] || missing="$missing dnsmasq-base"
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || missing="$missing iproute2"
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing="$missing chromium"
command -v chromedriver >/dev/null 2>&1 || [ -x /usr/bin/chromedriver ] || missing="$missing chromium-driver"

if [ -z "$missing" ]; then
    log "dnsmasq, ip, chromium and chromedriver present; nothing to do"
    exit 0
fi
if [ "${CONVERGE_NO_INSTALL:-0}" = "1" ]; then
    log "missing:$missing; CONVERGE_NO_INSTALL=1, not installing (the tests needing them will skip)"
    exit 0
fi
if [ "$(id -u)" != "0" ]; then
    log "missing:$missing; not root, not installing (the tests needing them will skip)"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    log "missing:$missing; no apt-get here, not installing (the tests needing them will skip)"
    exit 0
fi

log "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! apt-get install -y --no-install-recommends $missing >/dev/null 2>&1; then
    log "install failed; refreshing the package lists once and retrying"
    if ! { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends $missing >/dev/null 2>&1; }; then
        log "could not install$missing (offline?); the tests needing them will skip"
        exit 0
    fi
fi
log "installed:$missing"
exit 0
