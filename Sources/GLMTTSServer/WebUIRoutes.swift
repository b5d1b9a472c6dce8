import Foundation
import GLMTTSEngine
import HTTPTypes
import Hummingbird

/// The web UI: `/` serves `Public/index.html`, `/ui/<name>` the other files of `Public/`
/// (plain HTML, CSS and JavaScript, no build step).
///
/// Only plain file names found by listing the folder are served (letters, digits, `.`, `-`,
/// `_`; no sub-folders), never a path built from the request. Responses carry an ETag (the
/// content's SHA-256) so browsers revalidate cheaply, and a strict Content-Security-Policy:
/// the page may talk to this origin only.
enum WebUIRoutes {
    /// Content types by file extension; files with other extensions are not served.
    static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8",
        "js": "application/javascript; charset=utf-8",
        "css": "text/css; charset=utf-8",
        "svg": "image/svg+xml",
        "png": "image/png",
        "json": "application/json",
    ]

    /// The policy the page runs under: same origin only; `blob:` for recorded and fetched audio.
    static let contentSecurityPolicy = [
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:",
        "media-src 'self' blob:", "connect-src 'self'", "object-src 'none'", "base-uri 'none'",
        "form-action 'self'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    /// Where the files are: `GLMTTS_WEB_DIR`, else `<project>/Public`.
    static func directory(_ configuration: ServerConfiguration) -> URL {
        configuration.webDirectory ?? configuration.projectRoot.appendingPathComponent("Public", isDirectory: true)
    }

    /// Adds the routes, serving the files of `folder`.
    static func add(to router: Router<some RequestContext>, folder: URL) {
        router.get("/") { request, _ in try serve("index.html", from: folder, request: request) }
        router.get("/ui/:file") { request, context in
            try serve(context.parameters.get("file") ?? "", from: folder, request: request)
        }
    }

    /// The file `name` if the folder lists it and its type is known; 304 when the client's
    /// `If-None-Match` matches.
    static func serve(_ name: String, from folder: URL, request: Request) throws -> Response {
        let listed = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let ext = (name as NSString).pathExtension.lowercased()
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }),
            !name.hasPrefix("."), listed.contains(name), let type = contentTypes[ext],
            let data = try? Data(contentsOf: folder.appendingPathComponent(name))
        else {
            if name == "index.html" {
                throw HTTPProblem(
                    code: ProblemCode.uiUnavailable, title: "Not available", status: 503,
                    detail: "The web UI files are not installed (expected in \(folder.lastPathComponent)/). The API is at /docs.")
            }
            throw HTTPProblem.notFound("There is no web UI file '\(name.prefix(64))'.")
        }
        let etag = "\"\(SHA256.hex(of: data).prefix(32))\""
        var headers = HTTPFields()
        headers[.eTag] = etag
        headers[.cacheControl] = "no-cache"
        headers[.xContentTypeOptions] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        if ext == "html" {
            headers[.contentSecurityPolicy] = contentSecurityPolicy
            headers[HTTPField.Name("Permissions-Policy")!] = "microphone=(self)"
        }
        if request.headers[.ifNoneMatch] == etag {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = type
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
