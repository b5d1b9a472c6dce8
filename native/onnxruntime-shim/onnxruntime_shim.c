// The ONNX Runtime that sherpa-onnx calls, chosen at run time.
//
// The sherpa-onnx wheel links its C API against the ONNX Runtime it bundles (1.28.2), by the
// versioned symbol `OrtGetApiBase@VERS_1.28.2`. ONNX Runtime's whole C API is reached through
// that one function: it returns a table, and callers ask the table for the API version they
// were compiled against, which every later runtime still serves. This library takes the place
// of the bundled `libonnxruntime.so`, exports that one symbol, and forwards it to the runtime
// named by GLMTTS_ONNXRUNTIME, loaded from this library's own folder:
//
//   current (default)  libonnxruntime.so.1.32.0  the `onnxruntime` wheel pinned in workers/
//   bundled            libonnxruntime-bundled.so the runtime the sherpa-onnx wheel ships (the way back)
//
// scripts/bootstrap builds it (docs/PERFORMANCE.md, "ONNX Runtime"). If the runtime cannot be
// loaded, the process stops with a message that says which file and why: without a runtime no
// model can load, and sherpa-onnx would otherwise crash on a null table.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef const void *(*GetApiBase)(void);

static GetApiBase forwarded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void fail(const char *what, const char *detail) {
    fprintf(stderr,
            "glmtts: cannot load ONNX Runtime (%s: %s). Run scripts/bootstrap again, or set "
            "GLMTTS_ONNXRUNTIME=bundled to use the runtime the sherpa-onnx wheel ships.\n",
            what, detail ? detail : "unknown error");
    _exit(70);
}

static void load(void) {
    const char *choice = getenv("GLMTTS_ONNXRUNTIME");
    const char *file = "libonnxruntime.so.1.32.0";
    if (choice && *choice && strcmp(choice, "current") != 0) {
        if (strcmp(choice, "bundled") != 0) fail("GLMTTS_ONNXRUNTIME", "must be current or bundled");
        file = "libonnxruntime-bundled.so";
    }
    Dl_info self;
    if (!dladdr((const void *)&load, &self) || !self.dli_fname) fail("this library's folder", dlerror());
    char path[PATH_MAX];
    const char *slash = strrchr(self.dli_fname, '/');
    int folder = slash ? (int)(slash - self.dli_fname) : 1;
    const char *base = slash ? self.dli_fname : ".";
    if (snprintf(path, sizeof path, "%.*s/%s", folder, base, file) >= (int)sizeof path) fail(file, "path too long");
    void *runtime = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!runtime) fail(path, dlerror());
    forwarded = (GetApiBase)dlsym(runtime, "OrtGetApiBase");
    if (!forwarded) fail(path, dlerror());
}

/// ONNX Runtime's entry point, under the symbol version sherpa-onnx was linked against.
__attribute__((visibility("default"))) const void *OrtGetApiBase(void) {
    pthread_once(&once, load);
    return forwarded();
}
