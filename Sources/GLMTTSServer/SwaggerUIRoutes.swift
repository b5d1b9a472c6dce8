import Foundation
import GLMTTSEngine
import HTTPTypes
import Hummingbird

/// Swagger UI at `/docs`, offline: our own page loads Swagger UI's bundle from
/// `vendor/swagger-ui/` (copied there by scripts/bootstrap from the pinned PyPI package
/// `swagger-ui-bundle`; no third-party file is committed). Only a fixed list of file
/// names is served, never a path from the request.
enum SwaggerUIRoutes {
    /// The asset files served under /docs/, with their content types.
    static let assets: [String: String] = [
        "swagger-ui-bundle.js": "application/javascript; charset=utf-8",
        "swagger-ui.css": "text/css; charset=utf-8",
        "favicon-32x32.png": "image/png",
    ]

    /// Where the assets are: `GLMTTS_SWAGGER_UI_DIR`, else `<project>/vendor/swagger-ui`.
    static func directory(_ configuration: ServerConfiguration) -> URL {
        configuration.swaggerUIDirectory
            ?? configuration.projectRoot.appendingPathComponent("vendor/swagger-ui", isDirectory: true)
    }

    /// The page.
    static let page = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>GLM-TTS Enhanced API</title>
        <link rel="icon" href="/docs/favicon-32x32.png">
        <link rel="stylesheet" href="/docs/swagger-ui.css">
        </head>
        <body>
        <div id="swagger-ui"></div>
        <script src="/docs/swagger-ui-bundle.js"></script>
        <script src="/docs/init.js"></script>
        </body>
        </html>
        """

    /// Starts Swagger UI on our contract (a file of its own so a strict CSP can forbid inline scripts).
    static let initializer = """
        window.ui = SwaggerUIBundle({ url: "/openapi.yaml", dom_id: "#swagger-ui", deepLinking: true,
          presets: [SwaggerUIBundle.presets.apis], layout: "BaseLayout" });
        """

    /// Adds the routes, serving the assets from `directory`.
    static func add(to router: Router<some RequestContext>, directory: URL) {
        router.get("/docs") { _, _ in
            guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("swagger-ui-bundle.js").path) else {
                throw HTTPProblem(
                    code: ProblemCode.docsUnavailable, title: "Not available", status: 503,
                    detail: "The Swagger UI files are not installed; run scripts/bootstrap. The contract itself is at /openapi.yaml.")
            }
            return response(Data(page.utf8), type: "text/html; charset=utf-8")
        }
        router.get("/docs/init.js") { _, _ in
            response(Data(initializer.utf8), type: "application/javascript; charset=utf-8")
        }
        router.get("/docs/:file") { _, context in
            let name = context.parameters.get("file") ?? ""
            guard let type = assets[name], let data = try? Data(contentsOf: directory.appendingPathComponent(name)) else {
                throw HTTPProblem.notFound("There is no documentation file '\(name.prefix(64))'.")
            }
            return response(data, type: type)
        }
    }

    private static func response(_ data: Data, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "public, max-age=3600"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
