until wget -qO- @URL@ >/dev/null 2>&1; do echo "waiting for @URL@"; sleep 2; done
