namespace IpsecFw.Host.Demo;

/// <summary>How to start <c>ipsecfw</c> again as a child: the program and the arguments before the command.</summary>
/// <param name="FileName">The program: the <c>ipsecfw</c> apphost, or <c>dotnet</c>.</param>
/// <param name="Prefix">With <c>dotnet</c>: the path of <c>ipsecfw.dll</c>; otherwise empty.</param>
internal sealed record DemoExecutable(string FileName, IReadOnlyList<string> Prefix)
{
    /// <summary>This process: <see cref="Environment.ProcessPath"/>, with <c>ipsecfw.dll</c> when it is the <c>dotnet</c> host.</summary>
    public static DemoExecutable Current()
    {
        string path = Environment.ProcessPath ?? "dotnet";
        return Path.GetFileNameWithoutExtension(path) == "dotnet"
            ? new DemoExecutable(path, [Path.Combine(AppContext.BaseDirectory, "ipsecfw.dll")])
            : new DemoExecutable(path, []);
    }

    /// <summary><c>dotnet ipsecfw.dll</c> from the folder of this assembly (for a test host, whose process is not <c>ipsecfw</c>).</summary>
    public static DemoExecutable BesideThisAssembly(string dotnet) =>
        new(dotnet, [Path.Combine(AppContext.BaseDirectory, "ipsecfw.dll")]);
}
