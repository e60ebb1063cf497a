import Testing

@testable import WorkerProtocol

@Suite struct FrameTests {
    @Test func framesSurviveArbitrarySplits() throws {
        let frames = [Frame(.runCase, Array("{\"id\":\"a\"}".utf8)), Frame(.shutdown), Frame(.answer, [1, 2, 3])]
        let wire = frames.flatMap(\.encoded)
        for split in 1...wire.count {
            var reader = FrameReader()
            var got: [Frame] = []
            var offset = 0
            while offset < wire.count {
                reader.append(Array(wire[offset..<min(offset + split, wire.count)]))
                offset += split
                while let frame = try reader.next() { got.append(frame) }
            }
            #expect(got == frames, "split every \(split) bytes")
        }
    }

    @Test(arguments: [0, 1 << 30, Int(UInt32.max)])
    func badLengthsAreRejectedBeforeBuffering(length: Int) {
        var reader = FrameReader(maximumLength: 1 << 20)
        let value = UInt32(truncatingIfNeeded: length)
        reader.append([UInt8(value & 0xff), UInt8(value >> 8 & 0xff), UInt8(value >> 16 & 0xff), UInt8(value >> 24), 2])
        #expect(throws: FrameError.self) { try reader.next() }
    }

    @Test func unknownKindIsRejected() {
        var reader = FrameReader()
        reader.append([1, 0, 0, 0, 0xee])
        #expect(throws: FrameError.unknownKind(0xee)) { try reader.next() }
    }

    @Test func setupRoundTrips() throws {
        let setup = WorkerSetup(
            pluginPath: "/p/plugin.so", config: Array("{}".utf8), limits: [ResourceLimit(resource: 9, value: 1 << 31)],
            readablePaths: ["/usr/lib", "/p/plugin.so"], useNamespaces: true, unprivilegedUID: 65534,
            unprivilegedGID: 65534, filter: [UInt8](repeating: 7, count: 16), answerLimit: 1 << 20,
            outputLimit: 1 << 20)
        #expect(try WorkerSetup(setup.frame) == setup)
    }

    @Test func truncatedPayloadsThrowInsteadOfTrapping() throws {
        let hello = PluginHello(abiVersion: 1, name: "x", version: "1", caseKinds: "*").frame
        for cut in 0..<hello.payload.count {
            let truncated = Frame(.hello, Array(hello.payload.prefix(cut)))
            #expect(throws: FrameError.self) { try PluginHello(truncated) }
        }
        #expect(try PluginHello(hello).name == "x")
    }

    @Test func answerEncodingMatchesDecoding() throws {
        var out: [UInt8] = []
        let bytes: [UInt8] = Array("{\"label\":\"tax\"}".utf8)
        let stdout: [UInt8] = Array("case triage-0001\n".utf8)
        let header = Answer.Header(
            status: .ok, returnCode: 0, sequence: 1 << 40 | 7, startedNanos: 123_456_789, finishedNanos: 123_556_789,
            outputTruncated: true)
        bytes.withUnsafeBytes { b in
            stdout.withUnsafeBytes { o in
                [UInt8]().withUnsafeBytes { e in Answer.encode(header, bytes: b, stdout: o, stderr: e, into: &out) }
            }
        }
        var reader = FrameReader()
        reader.append(out)
        let frame = try #require(try reader.next())
        let expected = Answer(header, bytes: bytes, stdout: stdout)
        #expect(try Answer(frame) == expected)
        #expect(try Answer(expected.frame) == expected)
        // Every truncation of the payload is an error, never a trap.
        for cut in 0..<frame.payload.count {
            #expect(throws: FrameError.self) { try Answer(Frame(.answer, Array(frame.payload.prefix(cut)))) }
        }
    }

    @Test func caseRequestCarriesItsSequenceNumber() throws {
        var out: [UInt8] = []
        let json = Array("{\"id\":\"a\"}".utf8)
        CaseRequest.encode(sequence: 0x0102_0304_0506_0708, payload: json, into: &out)
        var reader = FrameReader()
        reader.append(out)
        let frame = try #require(try reader.next())
        let (sequence, offset) = try CaseRequest.decode(frame)
        #expect(sequence == 0x0102_0304_0506_0708)
        #expect(Array(frame.payload[offset...]) == json)
        #expect(throws: FrameError.self) { try CaseRequest.decode(Frame(.runCase, [1, 2, 3])) }
    }

    @Test func invalidUTF8StringsAreMalformed() {
        var writer = WireWriter()
        writer.write(bytes: [0xff, 0xfe])
        writer.write("1")
        writer.write("*")
        var w2 = WireWriter()
        w2.write(UInt32(1))
        let frame = Frame(.hello, w2.bytes + writer.bytes)
        #expect(throws: FrameError.self) { try PluginHello(frame) }
    }
}
