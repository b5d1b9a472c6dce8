import Foundation
import Testing

@testable import GLMTTSServer

@Suite struct URLEncodedFormMiddlewareTests {
    func refusedField(_ form: String) -> String?? {
        do {
            try URLEncodedFormMiddleware.check(Data(form.utf8))
            return .none
        } catch let problem as HTTPProblem {
            #expect(problem.statusCode == 400)
            return .some(problem.field)
        } catch {
            Issue.record("unexpected \(error)")
            return .none
        }
    }

    @Test func utf8FormsPass() {
        for form in ["text=Hello+there.&format=mp3", "text=%E4%BD%A0%E5%A5%BD", "", "&&", "a", "a=", "=b", "t=100%", "t=%zz%4"] {
            #expect(refusedField(form) == .none, "\(form)")
        }
    }

    @Test func aValueThatIsNotUTF8NamesItsField() {
        #expect(refusedField("text=Hello&format=x%FFy") == .some("format"))
        #expect(refusedField("text=%C3%28") == .some("text"))
        #expect(refusedField("prompt_text=%ED%A0%80&text=ok") == .some("prompt_text"))  // a surrogate
    }

    @Test func aNameThatIsNotUTF8IsRefused() {
        #expect(refusedField("%FF=1&text=ok") == .some(nil))
    }

    @Test func percentDecodingFollowsTheFormRules() {
        #expect(URLEncodedFormMiddleware.percentDecoded(Data("a+b%41%4a%".utf8)[...]) == Array("a bAJ%".utf8))
    }

    /// Found by fuzzing: the OpenAPI runtime keeps a quoted boundary's quotes (and then finds
    /// no parts), so a client that quotes it, as .NET does, got a 400.
    @Test func aQuotedMultipartBoundaryIsUnquoted() {
        #expect(
            URLEncodedFormMiddleware.unquotingBoundary(#"multipart/form-data; boundary="a b""#)
                == "multipart/form-data; boundary=a b")
        #expect(
            URLEncodedFormMiddleware.unquotingBoundary(#"Multipart/Form-Data;BOUNDARY = "x-1" ; charset=utf-8"#)
                == "Multipart/Form-Data; boundary=x-1; charset=utf-8")
        #expect(URLEncodedFormMiddleware.unquotingBoundary("multipart/form-data; boundary=plain") == nil)
        #expect(URLEncodedFormMiddleware.unquotingBoundary(#"text/plain; boundary="x""#) == nil)
        #expect(URLEncodedFormMiddleware.unquotingBoundary(#"multipart/form-data; boundary=""#) == nil)
    }
}
