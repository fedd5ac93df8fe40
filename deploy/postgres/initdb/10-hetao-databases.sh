#!/usr/bin/env bash
# 10-hetao-databases.sh - one database per service, on the cluster's first start
#
# Run by the postgres image's entrypoint from /docker-entrypoint-initdb.d/
# (the official image and deploy/postgres alike), as POSTGRES_USER, who owns
# the databases: each service migrates its own at start.
set -euo pipefail
for db in ${HETAO_DATABASES:-hetao_registry}; do
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres --set db="$db" \
        <<<'CREATE DATABASE :"db";'
done
