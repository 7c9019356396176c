r=$(redis-cli -h 127.0.0.1 -p @PORT@ ping 2>&1); case "$r" in PONG|*LOADING*|*MASTERDOWN*) exit 0;; *) echo "$r"; exit 1;; esac
