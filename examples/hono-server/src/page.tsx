export function Page(props: { title: string }) {
  return (
    <html>
      <body>
        <h1>{props.title}</h1>
        <p>Rendered with hono/jsx, pid {process.pid}</p>
      </body>
    </html>
  );
}
