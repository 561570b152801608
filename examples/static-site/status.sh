#!/bin/sh
# Every minute: the banner (a config) and the time, in the service's logs.
while true; do
    echo "$(cat /etc/banner): up at $(date -u +%H:%M:%S)"
    sleep 60
done
