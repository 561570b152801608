#!/bin/sh
# Fetches the site every $INTERVAL seconds and counts the visits in Redis (RESP over busybox nc: no client needed).
set -u
while true; do
    if wget -q -O /dev/null "$SITE_URL"; then
        visits=$(printf 'INCR visits\r\n' | nc -w 2 "$REDIS_HOST" 6379 | tr -d ':\r')
        echo "site up, visit ${visits:-?} counted"
    else
        echo "site $SITE_URL not answering"
    fi
    sleep "$INTERVAL"
done
