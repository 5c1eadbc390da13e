#!/bin/sh
# The container's entry point. On the first start it seeds the /data volume with the image's mappings and billing
# folders, so what admins change there (mappings saved from the console, billing.yaml, payer rules) is written by the
# engine's own user and survives a new container; later starts leave the volume's copies alone. Then the engine runs
# as PID 1 (exec), handling SIGTERM itself.
#   RXBRIDGE_SEED_DIR   where the image keeps the shipped folders (default /app)
#   MAPPINGS_DIR, BILLING_CONFIG, PAYER_RULES_DIR   where the engine reads them (the image sets them under /data)
set -eu
seed_dir="${RXBRIDGE_SEED_DIR:-/app}"

# seed FROM TO: copies the image's folder FROM to TO when TO does not exist yet.
seed() {
  if [ ! -e "$2" ] && [ -d "$1" ]; then
    mkdir -p "$(dirname "$2")"
    cp -R "$1" "$2"
    echo "rxbridge: seeded $2 from $1" >&2
  fi
}

seed "$seed_dir/mappings" "${MAPPINGS_DIR:-$seed_dir/mappings}"
seed "$seed_dir/billing" "$(dirname "${BILLING_CONFIG:-$seed_dir/billing/billing.yaml}")"
exec node "$(dirname "$0")/rxbridge.js" "$@"
