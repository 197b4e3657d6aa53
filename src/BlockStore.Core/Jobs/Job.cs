namespace BlockStore.Core.Jobs;

public enum JobState { Pending, Running, Succeeded, Failed, Cancelled }

/// <summary>
/// A long operation (flatten, migration, conversion). It runs in bounded steps: each step commits
/// its checkpoint and progress and sends the next step through the outbox, so no broker delivery is
/// held for long, and a crash resumes from the last checkpoint.
/// </summary>
public sealed class Job
{
    /// <summary>The job that detaches a clone past <c>Volumes:MaxCloneDepth</c> from its parent (librbd's flatten).</summary>
    public const string FlattenKind = "flatten";

    private Job() { }

    public Guid Id { get; private set; }
    public string Kind { get; private set; } = "";
    public Guid VolumeId { get; private set; }
    public string ProjectId { get; private set; } = "";
    public JobState State { get; private set; }
    /// <summary>Percent done, 0–100.</summary>
    public int Progress { get; private set; }
    /// <summary>Opaque to everything but the job's own code (JSON).</summary>
    public string? Checkpoint { get; private set; }
    /// <summary>Bytes done and to do, for jobs that count bytes (a migration); null otherwise.</summary>
    public long? BytesDone { get; private set; }
    public long? BytesTotal { get; private set; }
    /// <summary>An admin asked to stop; the job notices at its next step and undoes what it made.</summary>
    public bool CancelRequested { get; private set; }
    public DateTime? HeartbeatAt { get; private set; }
    /// <summary>
    /// When the job last published its progress event. Kept on the row, not in the step, so that the event
    /// rate holds across steps and across workers.
    /// </summary>
    public DateTime? ProgressEventAt { get; private set; }
    public string? Owner { get; private set; }
    /// <summary>How many times a step took the job up; a migration starts the count afresh whenever it writes progress.</summary>
    public int Attempts { get; private set; }
    public string? Error { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime? FinishedAt { get; private set; }
    public uint Version { get; private set; }

    public bool IsFinished => State is JobState.Succeeded or JobState.Failed or JobState.Cancelled;

    public static Job Start(string kind, Guid volumeId, string projectId, DateTime now, string? checkpoint = null) => new()
    {
        Id = Guid.CreateVersion7(now), Kind = kind, VolumeId = volumeId, ProjectId = projectId,
        State = JobState.Pending, CreatedAt = now, HeartbeatAt = now, Checkpoint = checkpoint,
    };

    public void Claim(string owner, DateTime now)
    {
        State = JobState.Running;
        Owner = owner;
        HeartbeatAt = now;
        Attempts++;
    }

    public void Report(int progress, string? checkpoint, DateTime now)
    {
        Progress = Math.Clamp(progress, 0, 100);
        Checkpoint = checkpoint;
        HeartbeatAt = now;
    }

    /// <summary>The reconciler sent the next step again; wait another while before judging it stuck.</summary>
    public void Heartbeat(DateTime now) => HeartbeatAt = now;

    public void Succeed(DateTime now) { State = JobState.Succeeded; Progress = 100; FinishedAt = now; HeartbeatAt = now; }

    public void Cancel(DateTime now) { State = JobState.Cancelled; FinishedAt = now; HeartbeatAt = now; }

    public void Fail(string error, DateTime now) { State = JobState.Failed; Error = error; FinishedAt = now; HeartbeatAt = now; }

    /// <summary>Failed from outside its steps: the step holding it, if any, loses its lease and writes nothing more.</summary>
    public void GiveUp(string error, DateTime now)
    {
        Fail(error, now);
        Owner = null;
    }
}
