using System.Diagnostics;

namespace IpsecFw.Fuzz;

/// <summary>
/// Runs every file under the given folders (recursively, so <c>regressions/</c> too) through one target in-process,
/// the way CI replays the corpora: any exception is a failure, reported with the file, its bytes and the stack trace.
/// </summary>
internal static class CorpusReplay
{
    private const int MaxHexShown = 256;

    public static int Run(IFuzzer target, string[] folders) => Run(target, folders, Console.Out, Console.Error);

    /// <summary>As <see cref="Run(IFuzzer, string[])"/>, writing to the given writers (the unit tests capture them).</summary>
    public static int Run(IFuzzer target, string[] folders, TextWriter output, TextWriter errors)
    {
        if (folders.Length == 0)
        {
            errors.WriteLine($"usage: IpsecFw.Fuzz {target.Name} --replay <dir>...");
            return 2;
        }

        var files = new List<string>();
        foreach (string folder in folders)
        {
            if (!Directory.Exists(folder))
            {
                errors.WriteLine($"{target.Name}: no folder {folder}");
                return 2;
            }

            files.AddRange(Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Where(f => !Path.GetFileName(f).StartsWith('.') && !f.EndsWith(".md", StringComparison.Ordinal)));
        }

        files.Sort(StringComparer.Ordinal);
        if (files.Count == 0)
        {
            errors.WriteLine($"{target.Name}: no input under {string.Join(", ", folders)}");
            return 2;
        }

        int failed = 0;
        var clock = Stopwatch.StartNew();
        foreach (string file in files)
        {
            byte[] input = File.ReadAllBytes(file);
            try
            {
                target.FuzzTarget(input);
            }
            catch (Exception e)
            {
                failed++;
                string hex = Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, MaxHexShown)));
                output.WriteLine($"FAILED {file} ({input.Length} bytes): {hex}{(input.Length > MaxHexShown ? "..." : "")}");
                output.WriteLine(e.ToString());
            }
        }

        output.WriteLine($"{target.Name}: replayed {files.Count} inputs in {clock.ElapsedMilliseconds} ms, {failed} failed");
        return failed == 0 ? 0 : 1;
    }
}
