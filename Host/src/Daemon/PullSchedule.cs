namespace IpsecFw.Host.Daemon;

/// <summary>
/// When the next poll happens: the interval, doubled after each failed fetch in a row (at most 16 times the
/// interval, and never more than an hour unless the interval itself is longer), then multiplied by a random factor
/// between 0.8 and 1.2, so that hosts started together drift apart and do not hit the server at once.
/// </summary>
public static class PullSchedule
{
    /// <summary>The longest back-off wait, unless the interval is longer.</summary>
    public static TimeSpan MaxBackoff { get; } = TimeSpan.FromHours(1);

    /// <summary>The wait before the next poll.</summary>
    /// <param name="interval">The configured interval.</param>
    /// <param name="failures">Failed fetches in a row (0 after a success).</param>
    /// <param name="random">A number in [0, 1).</param>
    public static TimeSpan Next(TimeSpan interval, int failures, double random)
    {
        double factor = Math.Pow(2, Math.Clamp(failures, 0, 4));
        double seconds = interval.TotalSeconds * factor;
        if (failures > 0)
        {
            seconds = Math.Min(seconds, Math.Max(interval.TotalSeconds, MaxBackoff.TotalSeconds));
        }

        return TimeSpan.FromSeconds(seconds * (0.8 + (0.4 * Math.Clamp(random, 0, 1))));
    }

    /// <summary>The wait before the first poll after start: up to a tenth of the interval, at most 30 s.</summary>
    public static TimeSpan First(TimeSpan interval, double random) =>
        TimeSpan.FromSeconds(Math.Min(interval.TotalSeconds / 10, 30) * Math.Clamp(random, 0, 1));
}
