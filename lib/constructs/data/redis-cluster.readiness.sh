redis-cli -h 127.0.0.1 -p @PORT@ cluster info | grep -q '^cluster_state:ok'
