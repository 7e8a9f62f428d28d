namespace IpsecFw.Spd.Runtime;

/// <summary>
/// The wildcard match of the <c>name</c>, <c>dn</c> and <c>issuer</c> predicates: <c>*</c> stands for any run of
/// characters (dots included, so <c>*.example.com</c> also covers <c>a.b.example.com</c>); every other character
/// matches itself, ignoring ASCII case (DNS names and DN attribute values are case-insensitive).
/// </summary>
public static class Glob
{
    /// <summary>True when <paramref name="text"/> matches <paramref name="pattern"/>. Allocates nothing.</summary>
    public static bool IsMatch(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starT = t;
            }
            else if (p < pattern.Length && char.ToLowerInvariant(pattern[p]) == char.ToLowerInvariant(text[t]))
            {
                p++;
                t++;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                t = ++starT;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
