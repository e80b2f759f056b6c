/// Text tables whose columns never run together: every cell is cut to its column's width (with `…`)
/// or padded to it, and columns are separated by a space, so each column starts under its header.
public enum TableText {
    /// `text` in exactly `width` characters: padded with spaces, or cut with `…` when longer. Line breaks
    /// and tabs become spaces, so one ticket is one line.
    public static func cell(_ text: String, _ width: Int) -> String {
        let flat = String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
        guard width > 0 else { return "" }
        if flat.count > width { return String(flat.prefix(width - 1)) + "…" }
        return flat + String(repeating: " ", count: width - flat.count)
    }

    /// One row: each of `cells` in its width of `widths`, a space between columns, and `last` (the
    /// subject, say) cut to `lastWidth` characters without padding.
    public static func row(_ cells: [String], widths: [Int], last: String, lastWidth: Int = 60) -> String {
        zip(cells, widths).map { cell($0, $1) + " " }.joined() + cut(last, lastWidth)
    }

    /// `text` on one line, cut with `…` past `width` characters, never padded.
    public static func cut(_ text: String, _ width: Int) -> String {
        let flat = String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
        return flat.count > width ? String(flat.prefix(max(0, width - 1))) + "…" : flat
    }
}
