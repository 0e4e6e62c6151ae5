"""Background analysis jobs, independent of the queue that carries them: the job function
(:func:`jobs.runner.run_job`), what is stored of a report, the job's public view (progress,
queue position, ETA), media folders, the sweeper that re-runs jobs whose runner died, and the
embedded queue (Huey on SQLite)."""
