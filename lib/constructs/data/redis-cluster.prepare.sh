set -eu
umask 077
# One ACL user per line of users.rules: <user> <password file> <rules>. Passwords come from the mounted
# Secrets; only A-Z a-z 0-9 _ - are accepted, so no password can inject an ACL rule.
secrets=@SECRETS_DIR@
password() {
  value=$(cat "$secrets/$1") || { echo "missing password file $secrets/$1" >&2; exit 1; }
  case "$value" in
    ''|*[!A-Za-z0-9_-]*) echo "the Redis password $1 must be non-empty and contain only A-Z a-z 0-9 _ -" >&2; exit 1 ;;
  esac
  printf '%s' "$value"
}
: > /run/redis/users.acl
while read -r user file rules; do
  case "$user" in ''|'#'*) continue ;; esac
  # Assigned first: a failing command substitution stops the script only outside another command.
  pw=$(password "$file")
  echo "user $user reset on >$pw $rules" >> /run/redis/users.acl
done < /etc/redis/users.rules
replication=$(password replication-password)
cat > /run/redis/redis.conf <<CONF
include /etc/redis/redis.conf
aclfile /run/redis/users.acl
masteruser nx-replication
masterauth $replication
cluster-announce-ip $POD_IP
cluster-announce-hostname $POD_NAME.$CLUSTER_DOMAIN
CONF
nodes=/data/nodes.conf
[ -f "$nodes" ] || exit 0
# Line format: <id> <ip>:<port>@<cport>[,<hostname>[,aux...]] <flags> ...; the 'vars' line is kept as is.
awk -v me="$POD_IP" '
  $1 == "vars" { print; next }
  {
    n = split($2, parts, ",")
    endpoint = parts[1]; host = (n > 1) ? parts[2] : ""
    at = index(endpoint, "@"); hostport = substr(endpoint, 1, at - 1)
    if (!match(hostport, /:[0-9]+$/)) { print; next }
    ip = substr(hostport, 1, RSTART - 1); rest = substr($2, RSTART)
    new = ip
    if ($3 ~ /myself/) new = me
    else if (host != "") {
      cmd = "getent hosts " host
      if ((cmd | getline resolved) > 0) { split(resolved, fields, " "); new = fields[1] }
      close(cmd)
    }
    if (new != ip) { $2 = new rest; printf "nodes.conf: %s %s -> %s\n", host, ip, new > "/dev/stderr" }
    print
  }' "$nodes" > "$nodes.tmp"
mv "$nodes.tmp" "$nodes"
