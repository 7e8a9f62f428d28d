namespace IpsecFw.Spd.Language;

/// <summary>The language's reserved words and the shape of names.</summary>
internal static class Keywords
{
    private static readonly HashSet<string> s_reserved =
        new(["allow", "deny", "expect", "default", "x509", "IPv4", "IPv6"], StringComparer.Ordinal);

    public static bool IsReserved(string word) => s_reserved.Contains(word);

    public static bool IsGroupType(string word) => word is "x509" or "IPv4" or "IPv6";

    /// <summary>Letters, digits and '_', not starting with a digit.</summary>
    public static bool IsGroupName(string word)
    {
        if (word.Length == 0 || char.IsAsciiDigit(word[0]))
        {
            return false;
        }

        foreach (char c in word)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>An IPv4 dotted quad or anything with a ':' (IPv6); names with dots are certificate names.</summary>
    public static bool LooksLikeAddress(string word) =>
        word.Contains(':', StringComparison.Ordinal)
        || (word.Count(c => c == '.') == 3 && word.All(c => char.IsAsciiDigit(c) || c == '.'));
}
