# bench/nginx.sh, sourced by bench/collect and bench/load: nginx as the
# reference web server, doing the least a server can do with an upload:
# read the whole request body into a file, then answer "ok".
#
#     location = /submit {
#         client_body_in_file_only on;  # every body goes to a file, kept
#         echo_read_request_body;       # read the body before answering
#         echo "ok";
#     }
#
# `return 200` would answer before reading the body and discard it, and
# proxy_pass to an upstream would make nginx send every body a second time;
# echo_read_request_body is nginx's own body reader (the one proxy_pass
# uses) without the upstream. nginx neither parses the multipart body nor
# checksums the dumps, and it never fsyncs.
#
# nginx_start DIR BODYDIR: nginx (nginx-light, $NGINX) on a free loopback
# port, its configuration and logs in DIR, the bodies in BODYDIR; sets
# NGINX_PID and NGINX_URL, or returns 1 with the reason on stderr.

NGINX=${NGINX:-/usr/sbin/nginx}
NGINX_ECHO_MODULE=/usr/lib/nginx/modules/ngx_http_echo_module.so

# nginx_conf DIR BODYDIR PORT
nginx_conf() {
	user=""
	# A root master would hand its workers to "nobody", who cannot
	# write here; keep them as the current user.
	[ "$(id -u)" -eq 0 ] && user="user $(id -un) $(id -gn);"
	cat >"$1/nginx.conf" <<EOF
load_module $NGINX_ECHO_MODULE;
$user
worker_processes 2;
daemon off;
pid $1/nginx.pid;
error_log $1/error.log warn;
events {
	worker_connections 2048;
}
http {
	access_log $1/access.log;
	default_type text/plain;
	client_body_temp_path $2;
	proxy_temp_path $1/proxy;
	fastcgi_temp_path $1/fastcgi;
	uwsgi_temp_path $1/uwsgi;
	scgi_temp_path $1/scgi;
	client_max_body_size 25m;
	# Read the body in 64 KB steps, not the default 8 KB: as a tuned
	# nginx would, and close to what libmicrohttpd hands the collector.
	client_body_buffer_size 64k;
	server {
		listen 127.0.0.1:$3;
		location = /submit {
			client_body_in_file_only on;
			echo_read_request_body;
			echo "ok";
		}
		location / {
			return 404;
		}
	}
}
EOF
}

nginx_start() {
	if [ ! -x "$NGINX" ] || [ ! -f "$NGINX_ECHO_MODULE" ]; then
		echo "$NGINX or $NGINX_ECHO_MODULE missing (apt-get install nginx-light)" >&2
		return 1
	fi
	mkdir -p "$1/logs" "$2"
	tries=0
	while [ $tries -lt 10 ]; do
		tries=$((tries + 1))
		port=$(awk -v s="$$$tries" 'BEGIN { srand(s); print 20000 + int(rand() * 40000) }')
		ss -Htln "sport = :$port" 2>/dev/null | grep -q . && continue
		nginx_conf "$1" "$2" "$port"
		if ! "$NGINX" -t -q -e "$1/error.log" -p "$1/" -c "$1/nginx.conf"; then
			echo "nginx rejects its configuration" >&2
			return 1
		fi
		"$NGINX" -e "$1/error.log" -p "$1/" -c "$1/nginx.conf" 2>>"$1/error.log" &
		NGINX_PID=$!
		i=0
		while [ $i -lt 100 ] && kill -0 "$NGINX_PID" 2>/dev/null; do
			code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary ok \
			    "http://127.0.0.1:$port/submit" 2>/dev/null)
			if [ "$code" = 200 ]; then
				NGINX_URL=http://127.0.0.1:$port/submit
				find "$2" -type f -delete
				return 0
			fi
			sleep 0.05
			i=$((i + 1))
		done
		kill -TERM "$NGINX_PID" 2>/dev/null
		wait "$NGINX_PID" 2>/dev/null
		NGINX_PID=""
	done
	echo "nginx did not start" >&2
	return 1
}
