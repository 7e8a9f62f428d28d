namespace IpsecFw.InteropTests.StrongSwan;

/// <summary>A virtual IP pool (<c>pools.&lt;name&gt;</c> in swanctl.conf).</summary>
/// <param name="Name">The pool's name, referred to by <see cref="SwanctlConnection.Pools"/>.</param>
/// <param name="Addrs">The addresses, a CIDR or a range, e.g. <c>198.19.100.0/28</c>.</param>
public sealed record SwanctlPool(string Name, string Addrs)
{
    internal void Render(SwanctlWriter w)
    {
        w.Open(Name);
        w.Value("addrs", Addrs);
        w.Close();
    }
}
