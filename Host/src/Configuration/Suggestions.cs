namespace IpsecFw.Host.Configuration;

/// <summary>"Did you mean" for misspelt keys: the closest candidate by edit distance, if it is close enough.</summary>
internal static class Suggestions
{
    public static string? Closest(string word, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string c in candidates)
        {
            int d = Distance(word.ToLowerInvariant(), c.ToLowerInvariant());
            if (d < bestDistance)
            {
                (best, bestDistance) = (c, d);
            }
        }

        return bestDistance <= Math.Max(2, word.Length / 3) ? best : null;
    }

    /// <summary>Levenshtein distance (insert, delete, substitute, each 1).</summary>
    public static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
