using System.Text;

namespace IpsecFw.InteropTests.StrongSwan;

/// <summary>Writes strongSwan's settings syntax (<c>section {</c>, <c>key = value</c>, <c>}</c>) with indentation.</summary>
internal sealed class SwanctlWriter
{
    private readonly StringBuilder _text = new();
    private int _depth;

    public void Open(string section)
    {
        Line($"{section} {{");
        _depth++;
    }

    public void Close()
    {
        _depth--;
        Line("}");
    }

    /// <summary>Writes <c>key = value</c>; nothing when <paramref name="value"/> is null.</summary>
    public void Value(string key, string? value)
    {
        if (value is not null)
        {
            Line($"{key} = {value}");
        }
    }

    /// <summary>Writes <c>key = "value"</c> (identities contain commas, which are list separators unquoted).</summary>
    public void Quoted(string key, string? value)
    {
        if (value is not null)
        {
            Line($"{key} = \"{value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
        }
    }

    public void Raw(string line) => Line(line);

    public override string ToString() => _text.ToString();

    private void Line(string line) => _text.Append(' ', 2 * _depth).Append(line).Append('\n');
}
