import KeelCore

/// The file formats a run's report is written in (`keel eval run --output`), chosen by the
/// output path's extension.
public enum EvalReportFormat: String, Sendable, Hashable, CaseIterable {
    /// The report's canonical JSON, indented, keys sorted.
    case json
    /// One self-contained page (`EvalReportHTML`).
    case html
    /// One record per result per side (`EvalReportCSV`).
    case csv

    /// `.json`, `.html` or `.htm`, `.csv` (any case); nil for any other path.
    public init?(path: String) {
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "json": self = .json
        case "html", "htm": self = .html
        case "csv": self = .csv
        default: return nil
        }
    }

    public func render(_ report: JSONValue) -> String {
        switch self {
        case .json: return PrettyJSON.render(report)
        case .html: return EvalReportHTML.render(report)
        case .csv: return EvalReportCSV.render(report)
        }
    }
}
