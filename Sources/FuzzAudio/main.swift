// The `audio` libFuzzer target: built only with GLMTTS_FUZZ=1 by scripts/fuzz (see
// docs/FUZZING.md). Everything it checks lives in GLMTTSEngine's `AudioFuzzEntry`, which the
// corpus replay test calls too.
import CLibFuzzer
import Foundation
import GLMTTSEngine

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(
    LLVMFuzzerRunDriver(&argc, &argv) { start, count in
        AudioFuzzEntry.run(start.map { Data(bytes: $0, count: count) } ?? Data())
        return 0
    })
