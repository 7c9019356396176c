set -eu
hosts="@HOSTS@"
# As nx-admin (password in REDISCLI_AUTH): --cluster create needs CLUSTER ADDSLOTS, MEET, REPLICATE.
# Over TLS to the nodes' TLS port, verifying their certificates against the cluster's CA.
cli="redis-cli --tls --cacert @CA_FILE@ --user nx-admin"
for h in $hosts; do
  until [ "$($cli -h "$h" -p @PORT@ ping 2>/dev/null)" = "PONG" ]; do echo "waiting for $h"; sleep 2; done
done
for h in $hosts; do
  info=$($cli -h "$h" -p @PORT@ cluster info | tr -d '\r')
  known=$(echo "$info" | sed -n 's/^cluster_known_nodes://p')
  slots=$(echo "$info" | sed -n 's/^cluster_slots_assigned://p')
  if [ "$known" -gt 1 ] || [ "$slots" -gt 0 ]; then
    echo "cluster already created ($h knows $known nodes, $slots slots assigned); nothing to do"
    echo "$info" | grep -E '^cluster_(state|size|known_nodes)'
    exit 0
  fi
done
addresses=""
for h in $hosts; do
  ip=$(getent hosts "$h" | awk '{ print $1 }')
  [ -n "$ip" ] || { echo "cannot resolve $h" >&2; exit 1; }
  addresses="$addresses $ip:@PORT@"
done
# CLUSTER MEET takes IP addresses; every node still announces its DNS name to clients.
# shellcheck disable=SC2086 # one argument per node address: $addresses is split on purpose
$cli --cluster create $addresses --cluster-replicas @REPLICAS@ --cluster-yes
for h in $hosts; do
  until $cli -h "$h" -p @PORT@ cluster info | grep -q '^cluster_state:ok'; do echo "waiting for $h to see the cluster"; sleep 2; done
done
echo "cluster created: @NODES@ nodes, @REPLICAS@ replica(s) per master"
