namespace IpsecFw.Host.Demo;

/// <summary>A service the demonstration listens on and tries: its name in the policy, protocol and port.</summary>
/// <param name="Name">The policy's name for it (<c>smtp</c>, <c>ntp</c>...).</param>
/// <param name="Udp">True for UDP, false for TCP.</param>
/// <param name="Port">The port.</param>
internal sealed record DemoService(string Name, bool Udp, int Port)
{
    public static DemoService Smtp { get; } = new("smtp", false, 25);

    public static DemoService Ssh { get; } = new("ssh", false, 22);

    public static DemoService Http { get; } = new("http", false, 80);

    public static DemoService Ntp { get; } = new("ntp", true, 123);

    /// <inheritdoc/>
    public override string ToString() => Name.ToUpperInvariant();
}
