// libFuzzer's driver, for the fuzz targets (built only with GLMTTS_FUZZ=1; see scripts/fuzz).
// SwiftPM gives every executable its own `main`, so the targets call the driver from Swift
// instead of relying on libFuzzer's `main`.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
