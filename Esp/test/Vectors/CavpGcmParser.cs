using System.Globalization;

namespace IpsecFw.Esp.Tests.Vectors;

/// <summary>
/// A strict parser for NIST CAVP GCMVS response files (.rsp): CRLF lines, '#' comments, sections headed by
/// <c>[Keylen = …]</c>, <c>[IVlen = …]</c>, <c>[PTlen = …]</c>, <c>[AADlen = …]</c> and <c>[Taglen = …]</c>, and records of
/// <c>Count = </c>, <c>Key</c>, <c>IV</c>, <c>PT</c>, <c>AAD</c>, <c>CT</c>, <c>Tag</c> and a bare <c>FAIL</c> line, separated by
/// blank lines. Anything it does not expect is an <see cref="InvalidDataException"/>, so a format surprise cannot
/// silently drop vectors.
/// </summary>
internal static class CavpGcmParser
{
    private static readonly string[] s_sectionKeys = ["Keylen", "IVlen", "PTlen", "AADlen", "Taglen"];
    private static readonly HashSet<string> s_fieldNames = new(StringComparer.Ordinal) { "Key", "IV", "PT", "AAD", "CT", "Tag" };

    /// <summary>Every record of <paramref name="text"/>, of every section, in file order.</summary>
    public static List<CavpGcmVector> Parse(string text)
    {
        var vectors = new List<CavpGcmVector>();
        var section = new Dictionary<string, int>(StringComparer.Ordinal);
        bool sectionHasRecords = false;
        Dictionary<string, string>? fields = null;
        int recordLine = 0;
        int count = 0;
        bool fail = false;

        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int lineNumber = i + 1;
            string line = lines[i].TrimEnd('\r', ' ', '\t');
            if (line.Length == 0)
            {
                Flush();
                continue;
            }

            if (line[0] == '#')
            {
                continue;
            }

            if (line[0] == '[')
            {
                Flush();
                if (line[^1] != ']')
                {
                    throw new InvalidDataException($"line {lineNumber}: unterminated section header '{line}'");
                }

                if (sectionHasRecords)
                {
                    // A header after records opens a new section: nothing of the previous one carries over.
                    section.Clear();
                    sectionHasRecords = false;
                }

                (string name, string value) = SplitAssignment(line[1..^1], lineNumber);
                if (Array.IndexOf(s_sectionKeys, name) < 0 || !section.TryAdd(name, ParseInt(value, lineNumber)))
                {
                    throw new InvalidDataException($"line {lineNumber}: unexpected or repeated section parameter '{name}'");
                }

                continue;
            }

            if (line == "FAIL")
            {
                if (fields is null || fail)
                {
                    throw new InvalidDataException($"line {lineNumber}: FAIL outside a record or repeated");
                }

                fail = true;
                continue;
            }

            (string key, string val) = SplitAssignment(line, lineNumber);
            if (key == "Count")
            {
                Flush();
                fields = new Dictionary<string, string>(StringComparer.Ordinal);
                recordLine = lineNumber;
                count = ParseInt(val, lineNumber);
                continue;
            }

            if (fields is null)
            {
                throw new InvalidDataException($"line {lineNumber}: '{key}' outside a record");
            }

            if (!s_fieldNames.Contains(key) || !fields.TryAdd(key, val))
            {
                throw new InvalidDataException($"line {lineNumber}: unexpected or repeated field '{key}'");
            }
        }

        Flush();
        return vectors;

        void Flush()
        {
            if (fields is null)
            {
                return;
            }

            foreach (string k in s_sectionKeys)
            {
                if (!section.ContainsKey(k))
                {
                    throw new InvalidDataException($"record at line {recordLine}: section parameter {k} is missing");
                }
            }

            foreach (string f in (string[])["Key", "IV", "AAD", "CT", "Tag"])
            {
                if (!fields.ContainsKey(f))
                {
                    throw new InvalidDataException($"record at line {recordLine}: field {f} is missing");
                }
            }

            bool hasPlaintext = fields.TryGetValue("PT", out string? pt);
            if (hasPlaintext == fail)
            {
                throw new InvalidDataException($"record at line {recordLine}: a record has either PT or FAIL, exactly one of them");
            }

            vectors.Add(new CavpGcmVector(
                recordLine,
                section["Keylen"],
                section["IVlen"],
                section["PTlen"],
                section["AADlen"],
                section["Taglen"],
                count,
                Hex(fields["Key"], recordLine),
                Hex(fields["IV"], recordLine),
                pt is null ? null : Hex(pt, recordLine),
                Hex(fields["AAD"], recordLine),
                Hex(fields["CT"], recordLine),
                Hex(fields["Tag"], recordLine),
                fail));
            sectionHasRecords = true;
            fields = null;
            fail = false;
        }
    }

    private static (string Name, string Value) SplitAssignment(string text, int lineNumber)
    {
        int eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            throw new InvalidDataException($"line {lineNumber}: expected 'Name = value', found '{text}'");
        }

        return (text[..eq].Trim(), text[(eq + 1)..].Trim());
    }

    private static int ParseInt(string value, int lineNumber) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int result)
            ? result
            : throw new InvalidDataException($"line {lineNumber}: '{value}' is not a decimal number");

    private static byte[] Hex(string value, int recordLine)
    {
        try
        {
            return Convert.FromHexString(value);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"record at line {recordLine}: '{value}' is not hex", e);
        }
    }
}
