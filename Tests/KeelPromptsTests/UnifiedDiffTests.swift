import KeelPrompts
import Testing

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
