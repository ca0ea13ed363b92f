FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY capacity_tracker ./capacity_tracker
COPY providers ./providers
COPY returns ./returns
COPY enforcement ./enforcement
COPY dissemination ./dissemination
RUN pip install --no-cache-dir .
COPY . .
RUN useradd --create-home app && chown -R app /app
USER app
EXPOSE 8000
