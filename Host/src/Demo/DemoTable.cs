using System.Text;

namespace IpsecFw.Host.Demo;

/// <summary>
/// Prints the rows as a table: connection, expected (the paper), observed (real traffic), counted (how much the
/// deciding daemon's counter for the deciding rule rose during the figure's tries, all rows at once, so rows that share
/// a rule share the count; <c>-</c> when the daemon reports no such counter), deciding rule (from the policy).
/// </summary>
internal static class DemoTable
{
    public static string Format(IReadOnlyList<DemoRow> rows)
    {
        string[] head = ["connection", "expected", "observed", "counted", "deciding rule (from the policy)"];
        string[][] cells =
        [
            .. rows.Select(r => new[]
            {
                r.Connection.Label,
                Word(r.Connection.Expected),
                Word(r.Observed.Verdict) + (r.Observed.Verdict == DemoVerdict.Denied ? $" ({r.Observed.Detail})" : string.Empty),
                r.Counted is { } n ? $"+{n}" : "-",
                r.Rule + (r.Policy != r.Connection.Expected ? " [the policy disagrees with the paper]" : string.Empty),
            }),
        ];
        int[] width = [.. Enumerable.Range(0, head.Length).Select(i => cells.Select(c => c[i].Length).Append(head[i].Length).Max())];
        var text = new StringBuilder();
        Line(text, head, width, "  ");
        text.Append("  ").AppendJoin("  ", width.Select(w => new string('-', w))).Append('\n');
        for (int i = 0; i < rows.Count; i++)
        {
            Line(text, cells[i], width, rows[i].Matches ? "  " : "! ");
        }

        return text.ToString();
    }

    private static string Word(DemoVerdict verdict) => verdict == DemoVerdict.Allowed ? "ALLOWED" : "DENIED";

    private static void Line(StringBuilder text, string[] cells, int[] width, string mark)
    {
        text.Append(mark);
        for (int i = 0; i < cells.Length; i++)
        {
            text.Append(i == cells.Length - 1 ? cells[i] : cells[i].PadRight(width[i] + 2));
        }

        text.Append('\n');
    }
}
