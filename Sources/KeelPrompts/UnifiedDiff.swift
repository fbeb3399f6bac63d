/// A unified diff of two texts by lines, as `diff -u` prints it: Myers' shortest edit script,
/// hunks of changes with `context` unchanged lines around them, `@@ -l,n +l,n @@` headers and
/// `\ No newline at end of file` after a last line without one. Equal texts give "".
public enum UnifiedDiff {
    struct Line: Equatable {
        var text: Substring
        var terminated: Bool
    }

    enum Edit: Equatable {
        /// Indices in the old and new lines.
        case keep(Int, Int)
        case delete(Int)
        case insert(Int)

        var isKeep: Bool {
            if case .keep = self { return true }
            return false
        }
    }

    public static func diff(_ a: String, _ b: String, fromLabel: String, toLabel: String, context: Int = 3) -> String {
        let old = lines(a)
        let new = lines(b)
        let edits = script(old, new)
        let changes = edits.indices.filter { !edits[$0].isKeep }
        guard let firstChange = changes.first else { return "" }
        var output = "--- \(fromLabel)\n+++ \(toLabel)\n"
        var hunkStart = max(0, firstChange - context)
        var hunkEnd = firstChange
        for change in changes.dropFirst() {
            if change - hunkEnd > 2 * context {
                output += hunk(edits, hunkStart...min(edits.count - 1, hunkEnd + context), old, new)
                hunkStart = change - context
            }
            hunkEnd = change
        }
        output += hunk(edits, hunkStart...min(edits.count - 1, hunkEnd + context), old, new)
        return output
    }

    private static func hunk(_ all: [Edit], _ lines: ClosedRange<Int>, _ old: [Line], _ new: [Line]) -> String {
        let edits = all[lines]
        // A hunk starts where its first edit is: the lines of each file before it. Printed
        // 1-based, except that a hunk with no line of a file names the line before it.
        var oldStart = 0
        var newStart = 0
        for edit in all[..<lines.lowerBound] {
            switch edit {
            case .keep:
                oldStart += 1
                newStart += 1
            case .delete: oldStart += 1
            case .insert: newStart += 1
            }
        }
        let oldCount = edits.filter { if case .insert = $0 { false } else { true } }.count
        let newCount = edits.filter { if case .delete = $0 { false } else { true } }.count
        var body = "@@ -\(range(oldStart, oldCount)) +\(range(newStart, newCount)) @@\n"
        for edit in edits {
            switch edit {
            case .keep(let i, _): body += text(" ", old[i])
            case .delete(let i): body += text("-", old[i])
            case .insert(let j): body += text("+", new[j])
            }
        }
        return body
    }

    private static func range(_ start: Int, _ count: Int) -> String {
        switch count {
        case 0: return "\(start),0"
        case 1: return "\(start + 1)"
        default: return "\(start + 1),\(count)"
        }
    }

    private static func text(_ prefix: String, _ line: Line) -> String {
        prefix + line.text + (line.terminated ? "\n" : "\n\\ No newline at end of file\n")
    }

    static func lines(_ text: String) -> [Line] {
        guard !text.isEmpty else { return [] }
        var pieces = text.split(separator: "\n", omittingEmptySubsequences: false)
        let terminated = text.hasSuffix("\n")
        if terminated { pieces.removeLast() }
        return pieces.enumerated().map { index, piece in Line(text: piece, terminated: terminated || index < pieces.count - 1) }
    }

    /// Myers' O(ND) shortest edit script, with each run of changes written deletions first.
    static func script(_ a: [Line], _ b: [Line]) -> [Edit] {
        let n = a.count
        let m = b.count
        let offset = n + m + 1
        var v = [Int](repeating: 0, count: 2 * offset + 1)
        var trace: [[Int]] = []
        search: for d in 0...(n + m) {
            trace.append(v)
            for k in stride(from: -d, through: d, by: 2) {
                var x = (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])) ? v[offset + k + 1] : v[offset + k - 1] + 1
                var y = x - k
                while x < n && y < m && a[x] == b[y] {
                    x += 1
                    y += 1
                }
                v[offset + k] = x
                if x >= n && y >= m { break search }
            }
        }
        var edits: [Edit] = []
        var x = n
        var y = m
        for d in stride(from: trace.count - 1, through: 0, by: -1) {
            let v = trace[d]
            let k = x - y
            let previousK = (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])) ? k + 1 : k - 1
            let previousX = v[offset + previousK]
            let previousY = previousX - previousK
            while x > previousX && y > previousY {
                edits.append(.keep(x - 1, y - 1))
                x -= 1
                y -= 1
            }
            if d > 0 {
                edits.append(x == previousX ? .insert(y - 1) : .delete(x - 1))
            }
            x = previousX
            y = previousY
        }
        edits.reverse()
        return deletionsFirst(edits)
    }

    private static func deletionsFirst(_ edits: [Edit]) -> [Edit] {
        var result: [Edit] = []
        var deletions: [Edit] = []
        var insertions: [Edit] = []
        for edit in edits {
            switch edit {
            case .keep:
                result += deletions + insertions
                deletions.removeAll()
                insertions.removeAll()
                result.append(edit)
            case .delete: deletions.append(edit)
            case .insert: insertions.append(edit)
            }
        }
        return result + deletions + insertions
    }
}
