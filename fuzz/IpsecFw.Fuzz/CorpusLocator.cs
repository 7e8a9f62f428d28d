namespace IpsecFw.Fuzz;

/// <summary>Finds <c>fuzz/Corpora</c> from a test's output folder (walks up to the repository root).</summary>
internal static class CorpusLocator
{
    public static string Folder(string target)
    {
        string? directory = AppContext.BaseDirectory;
        for (int i = 0; i < 12 && directory is not null; i++)
        {
            string candidate = Path.Combine(directory, "fuzz", "Corpora");
            if (Directory.Exists(candidate))
            {
                return Path.Combine(candidate, target);
            }

            directory = Path.GetDirectoryName(directory);
        }

        throw new DirectoryNotFoundException($"no fuzz/Corpora above {AppContext.BaseDirectory}");
    }
}
