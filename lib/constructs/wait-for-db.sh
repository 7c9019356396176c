until pg_isready -h @HOST@ -p @PORT@; do sleep 2; done
