using System.Globalization;

namespace IpsecFw.Spd.Nftables;

/// <summary>
/// The <c>log prefix</c> the ruleset writes on the log rules of the policy's rules and of the default deny, and its
/// reading back from a log record (the daemon's NFLOG reader): <c>ipsecfw: rule INDEX line LINE </c> and
/// <c>ipsecfw: default deny </c>. The text holds only digits and fixed words, so it needs no escaping.
/// </summary>
public static class NftLogPrefix
{
    /// <summary>The prefix of the default deny's log rule.</summary>
    public const string Default = "ipsecfw: default deny ";

    private const string RuleStart = "ipsecfw: rule ";
    private const string LineWord = " line ";

    /// <summary>The prefix of the log rules of the rule at <paramref name="index"/> (0-based) on <paramref name="line"/>.</summary>
    public static string ForRule(int index, int line) => string.Create(CultureInfo.InvariantCulture, $"{RuleStart}{index} line {line} ");

    /// <summary>
    /// Reads a prefix as the kernel hands it back (ASCII, possibly ending with NUL bytes): the rule's index and line, or
    /// -1 and 0 for the default deny. False for any other text (a log rule of another table logging to the same group).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> prefix, out int ruleIndex, out int line)
    {
        ruleIndex = -1;
        line = 0;
        int end = prefix.IndexOf((byte)0);
        if (end >= 0)
        {
            prefix = prefix[..end];
        }

        if (prefix.SequenceEqual("ipsecfw: default deny "u8))
        {
            return true;
        }

        if (!prefix.StartsWith("ipsecfw: rule "u8) || !ReadNumber(ref prefix, RuleStart.Length, out int index)
            || !prefix.StartsWith(" line "u8) || !ReadNumber(ref prefix, LineWord.Length, out int number)
            || !prefix.SequenceEqual(" "u8) || number < 1)
        {
            return false;
        }

        ruleIndex = index;
        line = number;
        return true;
    }

    /// <summary>Skips <paramref name="skip"/> bytes, then reads 1 to 9 decimal digits.</summary>
    private static bool ReadNumber(ref ReadOnlySpan<byte> text, int skip, out int value)
    {
        value = 0;
        text = text[skip..];
        int digits = 0;
        while (digits < text.Length && text[digits] is >= (byte)'0' and <= (byte)'9')
        {
            if (digits == 9)
            {
                return false;
            }

            value = (value * 10) + (text[digits] - '0');
            digits++;
        }

        text = text[digits..];
        return digits > 0;
    }
}
