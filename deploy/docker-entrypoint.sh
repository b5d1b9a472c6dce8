#!/bin/sh
# Container entrypoint: makes sure the models directory holds the models embedded in the
# image, then execs `glmtts "$@"` (the image's CMD is `serve`).
#
# $GLMTTS_MODELS_DIR (default /data/models, inside the data volume) is seeded from
# /opt/glmtts/models (or $GLMTTS_EMBEDDED_MODELS_DIR): each embedded model folder that is
# missing there is copied in. Folders that exist are never touched, so models you import or
# edit survive restarts and upgrades (delete a folder to get the image's copy back). A
# read-only models directory is fine as long as it already holds what you need.
set -eu
embedded=${GLMTTS_EMBEDDED_MODELS_DIR:-/opt/glmtts/models}
models=${GLMTTS_MODELS_DIR:-${GLMTTS_DATA_DIR:-/data}/models}

if [ -d "$embedded" ] && [ "$models" != "$embedded" ]; then
  mkdir -p "$models" 2>/dev/null || true
  for source in "$embedded"/*/; do
    [ -d "$source" ] || continue
    id=$(basename "$source")
    [ -e "$models/$id" ] && continue
    if cp -R "$source" "$models/.$id.partial" 2>/dev/null && mv "$models/.$id.partial" "$models/$id"; then
      echo "[entrypoint] installed the embedded model $id into $models" >&2
    else
      rm -rf "$models/.$id.partial" 2>/dev/null || true
      echo "[entrypoint] warning: could not copy the embedded model $id into $models" \
           "(not writable by uid $(id -u)? chown the volume to 10001:10001); continuing without it" >&2
    fi
  done
fi

exec glmtts "$@"
