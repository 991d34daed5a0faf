#!/usr/bin/env bash
# Runs a throwaway Orthanc (Debian packages `orthanc` and `orthanc-dicomweb`) next to our server, so the
# benchmarks in bench/ have a reference DICOMweb implementation to compare with.
#
#   scripts/orthanc.sh install # apt-get install orthanc orthanc-dicomweb
#   scripts/orthanc.sh start   # prints the DICOMweb base URL, e.g. http://127.0.0.1:8042/dicom-web
#   scripts/orthanc.sh stop    # stops it and deletes its storage
#   scripts/orthanc.sh status  # prints pid and base URL, exit 1 when it is not running
#
# Environment:
#   ORTHANC_STATE_DIR  where the config, pid file, log and storage live (default: $TMPDIR/dicomweb-bench-orthanc)
#   ORTHANC_PORT       first HTTP port to try (default 8042; the next free one above it is used if taken)
#   ORTHANC_SYNC       SyncStorageArea: "true" (Orthanc's default, fsync per instance) or "false"
#
# Orthanc is started directly (no systemd, no service user), in the background, with a pid file.
# Orthanc 1.10 has no HTTP bind-address option: it listens on every interface, but with
# RemoteAccessAllowed=false it refuses every client that is not on loopback. Its DICOM (DIMSE) listener is off.
set -euo pipefail

STATE_DIR="${ORTHANC_STATE_DIR:-${TMPDIR:-/tmp}/dicomweb-bench-orthanc}"
PID_FILE="$STATE_DIR/orthanc.pid"
URL_FILE="$STATE_DIR/url"
LOG_FILE="$STATE_DIR/orthanc.log"
CONFIG_FILE="$STATE_DIR/orthanc.json"
STORAGE_DIR="$STATE_DIR/storage"

find_binary() {
  command -v Orthanc 2>/dev/null || { [ -x /usr/sbin/Orthanc ] && echo /usr/sbin/Orthanc; } || return 1
}

find_plugin() {
  local candidate
  for candidate in /usr/share/orthanc/plugins/libOrthancDicomWeb.so /usr/lib/orthanc/libOrthancDicomWeb.so*; do
    [ -e "$candidate" ] && { echo "$candidate"; return 0; }
  done
  return 1
}

running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

port_in_use() {
  # ss prints a header line; a second line means something listens on that TCP port.
  [ "$(ss -Hltn "sport = :$1" | wc -l)" -gt 0 ]
}

start() {
  local binary plugin pid port
  if pid="$(running_pid)"; then
    echo "Orthanc already running (pid $pid)" >&2
    cat "$URL_FILE"
    return 0
  fi
  binary="$(find_binary)" || {
    echo "Orthanc is not installed: apt-get install -y orthanc orthanc-dicomweb" >&2
    exit 1
  }
  plugin="$(find_plugin)" || {
    echo "The Orthanc DICOMweb plugin is not installed: apt-get install -y orthanc-dicomweb" >&2
    exit 1
  }

  port="${ORTHANC_PORT:-8042}"
  while port_in_use "$port"; do port=$((port + 1)); done

  # A fresh, empty storage on every start, so each benchmark run measures the same thing.
  rm -rf "$STORAGE_DIR"
  mkdir -p "$STORAGE_DIR"
  cat >"$CONFIG_FILE" <<EOF
{
  "Name": "dicomweb-bench",
  "StorageDirectory": "$STORAGE_DIR",
  "IndexDirectory": "$STORAGE_DIR",
  "Plugins": ["$plugin"],
  "HttpPort": $port,
  "RemoteAccessAllowed": false,
  "AuthenticationEnabled": false,
  "DicomServerEnabled": false,
  "WebDavEnabled": false,
  "SyncStorageArea": ${ORTHANC_SYNC:-true},
  "DicomWeb": { "Enable": true, "Root": "/dicom-web/", "EnableWado": false, "Host": "127.0.0.1:$port" }
}
EOF

  # setsid: Orthanc must outlive this script and the terminal that ran it.
  setsid "$binary" "$CONFIG_FILE" >"$LOG_FILE" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PID_FILE"

  local base="http://127.0.0.1:$port/dicom-web"
  for _ in $(seq 1 100); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "Orthanc exited during start-up; last log lines:" >&2
      tail -n 20 "$LOG_FILE" >&2
      rm -f "$PID_FILE"
      exit 1
    fi
    # /system answers once the REST API is up; the plugin is registered before that.
    if curl -fs -o /dev/null "http://127.0.0.1:$port/system"; then
      echo "$base" >"$URL_FILE"
      echo "Orthanc $("$binary" --version | head -n 1 | awk '{print $2}') running, pid $pid, log $LOG_FILE" >&2
      echo "$base"
      return 0
    fi
    sleep 0.1
  done
  echo "Orthanc did not answer on port $port within 10 s; see $LOG_FILE" >&2
  kill "$pid" 2>/dev/null || true
  rm -f "$PID_FILE"
  exit 1
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    echo "Orthanc is not running" >&2
    rm -f "$PID_FILE" "$URL_FILE"
    return 0
  fi
  kill -TERM "$pid"
  # Orthanc flushes its SQLite index on SIGTERM; give it time before forcing.
  for _ in $(seq 1 200); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "Orthanc (pid $pid) ignored SIGTERM for 20 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$STORAGE_DIR"
  rm -f "$PID_FILE" "$URL_FILE"
  echo "Orthanc stopped" >&2
}

status() {
  local pid
  if pid="$(running_pid)"; then
    echo "pid $pid $(cat "$URL_FILE" 2>/dev/null || true)"
  else
    echo "Orthanc is not running" >&2
    return 1
  fi
}

install() {
  # Debian's packages; the package scripts may try to start a system service, which we never use.
  apt-get update && apt-get install -y orthanc orthanc-dicomweb
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 install|start|stop|status" >&2
    exit 2
    ;;
esac
