#!/usr/bin/env python3
"""Container health check: GET http://127.0.0.1:$GLMTTS_PORT/health, exit 0 on 200, else 1.

The runtime images have no curl; python3 is there for the whisper worker. Proxy variables
are ignored (the check must reach this container's own server). Usage: healthcheck [URL]
"""
import os
import sys
import urllib.request


def main() -> int:
    port = os.environ.get("GLMTTS_PORT") or "8080"
    url = sys.argv[1] if len(sys.argv) > 1 else f"http://127.0.0.1:{port}/health"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=4) as response:
            if response.status == 200:
                return 0
            print(f"unhealthy: {url} answered {response.status}", file=sys.stderr)
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy
        print(f"unhealthy: {url}: {error}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
