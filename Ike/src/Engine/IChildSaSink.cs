using IpsecFw.Ike.Sa;

namespace IpsecFw.Ike.Engine;

/// <summary>Receives negotiated CHILD_SAs (to install them in the ESP engine) and their removal.</summary>
public interface IChildSaSink
{
    /// <summary>A pair is negotiated.</summary>
    void Up(IkeSa ikeSa, ChildSa child);

    /// <summary>A pair installed inbound-only starts to carry outbound traffic (a rekey's predecessor is gone).</summary>
    void Activate(IkeSa ikeSa, ChildSa child);

    /// <summary>A pair is gone; its keys are zeroed after this returns.</summary>
    void Down(IkeSa ikeSa, ChildSa child);
}
