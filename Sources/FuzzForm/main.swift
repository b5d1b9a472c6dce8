// The `form` libFuzzer target: built only with GLMTTS_FUZZ=1 by scripts/fuzz (see
// docs/FUZZING.md). Everything it checks lives in GLMTTSServer's `FormFuzzEntry`, which the
// corpus replay test calls too.
import CLibFuzzer
import Dispatch
import Foundation
import GLMTTSServer

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(
    LLVMFuzzerRunDriver(&argc, &argv) { start, count in
        let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
        let done = DispatchSemaphore(value: 0)
        Task.detached {  // not on the main actor: the main thread is waiting right here
            await FormFuzzEntry.run(bytes)
            done.signal()
        }
        done.wait()
        return 0
    })
