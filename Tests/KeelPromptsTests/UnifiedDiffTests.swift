import Testing

@testable import KeelPrompts

/// Expected outputs are GNU `diff -u --label old --label new` (and `-U0`) on the same texts.
struct UnifiedDiffTests {
    @Test func twoHunksWithContext() {
        let a = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n"
        let b = "a\nb\nC\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\n"
        #expect(
            UnifiedDiff.diff(a, b, fromLabel: "old", toLabel: "new") == """
                --- old
                +++ new
                @@ -1,6 +1,6 @@
                 a
                 b
                -c
                +C
                 d
                 e
                 f
                @@ -11,3 +11,4 @@
                 k
                 l
                 m
                +n

                """)
    }

    @Test func nearbyChangesShareAHunk() {
        let a = "1\n2\n3\n4\n5\n6\n7\n8\n"
        let b = "1\n2\n3\nX\n5\n6\n7\nY\n"
        #expect(
            UnifiedDiff.diff(a, b, fromLabel: "old", toLabel: "new") == """
                --- old
                +++ new
                @@ -1,8 +1,8 @@
                 1
                 2
                 3
                -4
                +X
                 5
                 6
                 7
                -8
                +Y

                """)
    }

    @Test func aMissingFinalNewlineIsAChange() {
        #expect(
            UnifiedDiff.diff("x\ny", "x\ny\n", fromLabel: "old", toLabel: "new") == """
                --- old
                +++ new
                @@ -1,2 +1,2 @@
                 x
                -y
                \\ No newline at end of file
                +y

                """)
    }

    @Test func emptySidesAndNoContext() {
        #expect(UnifiedDiff.diff("", "one\ntwo\n", fromLabel: "old", toLabel: "new") == "--- old\n+++ new\n@@ -0,0 +1,2 @@\n+one\n+two\n")
        #expect(UnifiedDiff.diff("a\nb\nc\n", "a\nc\n", fromLabel: "old", toLabel: "new", context: 0) == "--- old\n+++ new\n@@ -2 +1,0 @@\n-b\n")
        #expect(UnifiedDiff.diff("a\nc\n", "a\nb\nc\n", fromLabel: "old", toLabel: "new", context: 0) == "--- old\n+++ new\n@@ -1,0 +2 @@\n+b\n")
    }

    @Test func equalTextsHaveNoDiff() {
        #expect(UnifiedDiff.diff("same\n", "same\n", fromLabel: "a", toLabel: "b") == "")
        #expect(UnifiedDiff.diff("", "", fromLabel: "a", toLabel: "b") == "")
    }
}

/// The edit script on random texts: it turns the old lines into the new ones, in as few edits
/// as the longest common subsequence allows.
struct EditScriptTests {
    @Test func scriptsAreCorrectAndShortest() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let old = (0..<Int.random(in: 0...12, using: &generator)).map { _ in ["a", "b", "c", "d"].randomElement(using: &generator)! }
            let new = (0..<Int.random(in: 0...12, using: &generator)).map { _ in ["a", "b", "c", "d"].randomElement(using: &generator)! }
            let a = UnifiedDiff.lines(old.map { $0 + "\n" }.joined())
            let b = UnifiedDiff.lines(new.map { $0 + "\n" }.joined())
            let edits = UnifiedDiff.script(a, b)
            var rebuilt: [UnifiedDiff.Line] = []
            for edit in edits {
                switch edit {
                case .keep(let i, let j):
                    #expect(a[i] == b[j])
                    rebuilt.append(a[i])
                case .insert(let j): rebuilt.append(b[j])
                case .delete: break
                }
            }
            #expect(rebuilt == b, "\(old) -> \(new)")
            #expect(edits.filter { !$0.isKeep }.count == old.count + new.count - 2 * Self.lcs(old, new), "\(old) -> \(new)")
        }
    }

    static func lcs(_ a: [String], _ b: [String]) -> Int {
        var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                table[i][j] = a[i] == b[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        return table[0][0]
    }
}
