export interface ActiveUsePoint {
  day: string;
  active_uses: number;
}

/** Daily active uses as bars (SVG, no chart library), with the same numbers as a table for screen readers and copying. */
export function ActiveUseChart({ points, caption }: { points: ActiveUsePoint[]; caption: string }) {
  if (points.length === 0) return <p className="empty">No active-use reports yet: tenant planes report them when they phone home.</p>;
  const max = Math.max(...points.map((point) => point.active_uses), 1);
  const width = 640;
  const height = 160;
  const gap = 4;
  const barWidth = Math.min(36, Math.max(4, (width - gap * (points.length - 1)) / points.length));
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height + 20}`} role="img" aria-label={`${caption}: highest ${max}`}>
        {points.map((point, index) => {
          const barHeight = Math.max(2, (point.active_uses / max) * height);
          const x = index * (barWidth + gap);
          return (
            <g key={point.day}>
              <rect x={x} y={height - barHeight} width={barWidth} height={barHeight} rx={2} className="chart-bar">
                <title>{`${point.day}: ${point.active_uses}`}</title>
              </rect>
              {(index === 0 || index === points.length - 1) && (
                <text x={x + barWidth / 2} y={height + 15} textAnchor="middle" className="chart-label">
                  {point.day.slice(5)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="muted">{caption}</figcaption>
      <details>
        <summary>Show the numbers</summary>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Day (UTC)</th>
              <th scope="col">Active uses</th>
            </tr>
          </thead>
          <tbody>
            {points.map((point) => (
              <tr key={point.day}>
                <td>{point.day}</td>
                <td className="number">{point.active_uses}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
