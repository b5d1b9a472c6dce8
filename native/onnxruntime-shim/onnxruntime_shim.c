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
//
// It also turns ONNX Runtime's CPU memory arena off for every session (GLMTTS_ONNXRUNTIME_ARENA
// = off, the default; `on` keeps it). sherpa-onnx offers no setting for it. The arena keeps the
// largest buffers a session ever needed for the session's lifetime: one long sentence grew the
// process by ~390 MiB for good, once per parallel session. Without it buffers go back to the
// allocator when a run ends. The switch is made by replacing one entry of the runtime's API
// table, CreateSessionOptions (index 10; the table is append-only across versions, so indices are
// stable), with one that calls the original and then DisableCpuMemArena (index 19).
//
// Without the arena, buffers come from the C allocator, so glibc is tuned when this library
// loads (before any thread allocates), each unless its MALLOC_* variable is set: one malloc
// arena for all threads (M_ARENA_MAX 1: a buffer freed by one session's thread is reused by the
// next run on any thread, instead of each thread's arena keeping its own high-water mark), the
// mmap threshold at its maximum, 32 MiB (smaller buffers come from the heap and are reused
// without page faults; glibc's own dynamic threshold would do the same but moves), and no
// automatic trimming of the heap's top (M_TRIM_THRESHOLD 1 GiB). Memory goes back to the
// system when the process is idle instead: InferenceThreads calls malloc_trim once no inference
// has run for two seconds. Measured (glmtts bench, RTF short / long, peak RSS): arena on 0.082 /
// 0.063, 983 MiB; arena off with a 1 MiB mmap threshold (the previous setting) 0.133 / 0.160,
// 543 MiB; arena off tuned like this 0.091 / 0.069, 661 MiB (docs/PERFORMANCE.md).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <stdint.h>
#include <unistd.h>

typedef const void *(*GetApiBase)(void);
typedef void *(*GetApi)(uint32_t version);
typedef void *(*CreateSessionOptions)(void **out);
typedef void *(*DisableCpuMemArena)(void *options);

enum { CreateSessionOptionsIndex = 10, DisableCpuMemArenaIndex = 19 };

static GetApiBase forwarded;
static CreateSessionOptions createSessionOptions;
static DisableCpuMemArena disableCpuMemArena;

static void fail(const char *what, const char *detail) {
    fprintf(stderr,
            "glmtts: cannot load ONNX Runtime (%s: %s). Run scripts/bootstrap again, or set "
            "GLMTTS_ONNXRUNTIME=bundled to use the runtime the sherpa-onnx wheel ships.\n",
            what, detail ? detail : "unknown error");
    _exit(70);
}

static void failSetting(const char *name, const char *allowed) {
    fprintf(stderr, "glmtts: %s must be %s; unset it for the default.\n", name, allowed);
    _exit(70);
}

/// Set by glmtts_onnxruntime_keep_arena: sessions made from now on keep their arena.
static volatile int arenaKept;

/// CreateSessionOptions, then the arena off. DisableCpuMemArena only clears a flag and cannot fail.
static void *createSessionOptionsWithoutArena(void **out) {
    void *status = createSessionOptions(out);
    if (!status && out && *out && !arenaKept) disableCpuMemArena(*out);
    return status;
}

/// Points the table's CreateSessionOptions entry at the wrapper. The table lives in the runtime's
/// read-only relocated data, so its page is made writable for the one store and read-only again.
static void turnArenaOff(void) {
    const char *arena = getenv("GLMTTS_ONNXRUNTIME_ARENA");
    if (arena && *arena && strcmp(arena, "off") != 0) {
        if (strcmp(arena, "on") != 0) failSetting("GLMTTS_ONNXRUNTIME_ARENA", "off or on");
        return;
    }
    GetApi getApi = *(GetApi const *)forwarded();
    void **table = getApi ? (void **)getApi(1) : NULL;
    if (!table) fail("the runtime's API table", "GetApi(1) returned nothing");
    createSessionOptions = (CreateSessionOptions)table[CreateSessionOptionsIndex];
    disableCpuMemArena = (DisableCpuMemArena)table[DisableCpuMemArenaIndex];
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t slot = (uintptr_t)&table[CreateSessionOptionsIndex];
    void *start = (void *)(slot & ~(uintptr_t)(page - 1));
    size_t length = slot + sizeof(void *) - (uintptr_t)start;
    if (mprotect(start, length, PROT_READ | PROT_WRITE) != 0) fail("the runtime's API table", strerror(errno));
    table[CreateSessionOptionsIndex] = (void *)createSessionOptionsWithoutArena;
    if (mprotect(start, length, PROT_READ) != 0) fail("the runtime's API table", strerror(errno));
}

/// Whether GLMTTS_ONNXRUNTIME_ARENA leaves the arena on (a wrong value is reported by turnArenaOff).
static int arenaStaysOn(void) {
    const char *arena = getenv("GLMTTS_ONNXRUNTIME_ARENA");
    return arena && strcmp(arena, "on") == 0;
}

/// Tunes glibc for sessions without an arena (see the top of this file); runs when the library
/// loads, before main.
__attribute__((constructor)) static void tuneAllocator(void) {
    if (arenaStaysOn()) return;
    if (!getenv("MALLOC_ARENA_MAX")) mallopt(M_ARENA_MAX, 1);
    if (!getenv("MALLOC_MMAP_THRESHOLD_")) mallopt(M_MMAP_THRESHOLD, 32 << 20);
    if (!getenv("MALLOC_TRIM_THRESHOLD_")) mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

/// For a process that serves one request and exits (`glmtts synth`): sessions made from now on
/// keep ONNX Runtime's arena, and glibc gets back thrifty settings (128 KiB mmap and trim
/// thresholds). The arena's growth for good ends with the process, and it peaks lower than the
/// tuned heap: `glmtts synth` of the 20-sentence text peaked at 296 MiB against 385 MiB
/// (docs/PERFORMANCE.md). Returns 1, or 0 when GLMTTS_ONNXRUNTIME_ARENA=on already keeps it.
__attribute__((visibility("default"))) int glmtts_onnxruntime_keep_arena(void) {
    if (arenaStaysOn()) return 0;
    arenaKept = 1;
    if (!getenv("MALLOC_MMAP_THRESHOLD_")) mallopt(M_MMAP_THRESHOLD, 128 << 10);
    if (!getenv("MALLOC_TRIM_THRESHOLD_")) mallopt(M_TRIM_THRESHOLD, 128 << 10);
    return 1;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
    const char *choice = getenv("GLMTTS_ONNXRUNTIME");
    const char *file = "libonnxruntime.so.1.32.0";
    if (choice && *choice && strcmp(choice, "current") != 0) {
        if (strcmp(choice, "bundled") != 0) failSetting("GLMTTS_ONNXRUNTIME", "current or bundled");
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
    turnArenaOff();
}

/// ONNX Runtime's entry point, under the symbol version sherpa-onnx was linked against.
__attribute__((visibility("default"))) const void *OrtGetApiBase(void) {
    pthread_once(&once, load);
    return forwarded();
}
