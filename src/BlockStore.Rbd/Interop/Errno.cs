namespace BlockStore.Rbd.Interop;

/// <summary>The Linux errno values librados and librbd return (negated).</summary>
internal static class Errno
{
    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int EIO = 5;
    internal const int EACCES = 13;
    internal const int EBUSY = 16;
    internal const int EEXIST = 17;
    internal const int EINVAL = 22;
    internal const int EROFS = 30;
    internal const int ERANGE = 34;
    internal const int ENOTEMPTY = 39;
    internal const int ETIMEDOUT = 110;
    internal const int ESTALE = 116;
    internal const int ECANCELED = 125;
}
